"""What `streamapp up` runs, as its command-line options set it (defaults from config)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from streamapp.config import (
    DEFAULT_BROKER_PORT,
    DEFAULT_DASHBOARD_PORT,
    DEFAULT_DATA_DIR,
    DEFAULT_WAREHOUSE_PORT,
    DEFAULT_WEB_PORT,
)


@dataclass
class UpOptions:
    broker_port: int = DEFAULT_BROKER_PORT
    data_dir: Path = DEFAULT_DATA_DIR
    simulator: bool = True
    dashboard: bool = True
    dashboard_port: int = DEFAULT_DASHBOARD_PORT
    warehouse: bool = True
    warehouse_port: int = DEFAULT_WAREHOUSE_PORT
    workers: int = 1
    worker_web_port: int = DEFAULT_WEB_PORT
    rate: float = 20.0
    scenarios: list[str] = field(default_factory=list)
    accounts: int = 2000  # simulated viewers; 0 = none
    broker_kind: str = "auto"
