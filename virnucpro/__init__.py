"""VirNucPro: viral sequence identification from DNABERT-S and ESM-2 features.

Run ``python -m virnucpro predict INPUT.fa`` (see ``--help``); the nine stages live in
``virnucpro.stages`` and are timed with ``virnucpro_telemetry``.
"""

__version__ = "0.1.0"
