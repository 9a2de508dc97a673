"""Changelog-backed tables: open windows, watermarks, per-platform marks, alert state."""

from streamapp.tables.definitions import PipelineTables, define_tables
from streamapp.tables.window_close import WindowCloser

__all__ = ["PipelineTables", "WindowCloser", "define_tables"]
