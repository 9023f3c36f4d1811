"""The package version, read by the build and by the report (importlib.metadata is slow)."""

__version__ = "0.1.0"
