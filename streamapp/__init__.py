"""Streaming-platform intelligence on Faust."""

__version__ = "0.1.0"
