"""The one exception class of the package."""


class TelemetryError(Exception):
    """A stage-timing API was used the wrong way; the message says how to fix it."""
