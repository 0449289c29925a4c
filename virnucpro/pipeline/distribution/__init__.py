"""A run across ``torchrun`` ranks: the flow (``torchrun``), its building blocks
(``distributed``) and the spread of split files over ranks (``rank_shares``)."""
