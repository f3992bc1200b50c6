"""privet: keep a communications provider's privacy promises, as code."""

__version__ = "0.1.0"
