"""The nine pipeline stages, each a thin ``@timed_stage`` function of ``(paths, config)``."""
