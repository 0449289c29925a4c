"""Orchestration: which stages run in which order, checkpoints, the output folder, torchrun.

``definitions`` holds the pipelines as tuples of stage functions; ``runner`` has the run
functions the commands call. No stage logic lives here: the stages are the ``stages.py``
modules of the domain packages (``virnucpro.sequence``, ``embedding``, ``classification``,
``results``). See ``ARCHITECTURE.md``.
"""

from virnucpro.pipeline.runner import run_prediction, run_preprocess

__all__ = ["run_prediction", "run_preprocess"]
