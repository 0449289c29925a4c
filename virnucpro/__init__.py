"""VirNucPro: viral sequence identification from DNABERT-S and ESM-2 features.

Run ``python -m virnucpro predict INPUT.fa`` (see ``--help``). The nine stages are the
``stages.py`` modules of the domain packages (``sequence``, ``embedding``, ``classification``,
``results``), listed in order in ``virnucpro.pipeline.definitions`` and timed with
``virnucpro_telemetry``; ``ARCHITECTURE.md`` maps the rest.
"""

__version__ = "0.1.0"
