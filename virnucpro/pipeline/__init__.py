"""Orchestration: which stages run in which order, checkpoints, the output folder, torchrun.

``definitions`` holds the pipelines as tuples of stage functions; ``engine.runs.run_pipeline`` is
the one run function every command calls. No stage logic lives here: the stages are the
``stages.py`` modules of the domain packages (``virnucpro.sequence``, ``embedding``,
``classification``, ``results``, ``training``). See ``ARCHITECTURE.md``.
"""
