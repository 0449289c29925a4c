"""The models a run uses, found and checked before stage 1 (``model_resolution``), and the
offline demo models (``demo``)."""
