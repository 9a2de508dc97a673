"""Changelog-backed tables: open windows, watermarks, per-platform marks, alert state."""

from tables.definitions import PipelineTables, define_tables
from tables.window_close import WindowCloser

__all__ = ["PipelineTables", "WindowCloser", "define_tables"]
