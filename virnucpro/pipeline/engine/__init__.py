"""The run engine: ``runs.run_pipeline`` opens, runs, summarises and closes every command's run.

``stage_runner`` runs or skips each stage against its verified checkpoint (``checkpoint``,
keyed on ``stage_settings``); ``signals`` turns SIGTERM/SIGHUP into a clean stop;
``run_summary`` writes the summary, the stage records and the ``--trace`` file.
"""
