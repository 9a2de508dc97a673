"""Written once: the defaults every command and section shares, and how a section reads
its environment.

`streamapp up`, the commands and the settings sections all take these, so a default
(the data folder, a port, the subreddits and keywords collected) lives in one place.
"""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import SettingsConfigDict

DEFAULT_DATA_DIR = Path(".streamapp")
DEFAULT_WEB_PORT = 6066  # the first worker's health, metrics and web views
DEFAULT_DASHBOARD_PORT = 5006
DEFAULT_WAREHOUSE_PORT = 8765  # the local warehouse (`streamapp warehouse serve`)
DEFAULT_BROKER_PORT = 9092  # the embedded broker of `streamapp up`

DEFAULT_SUBREDDITS = (
    "cordcutters,netflix,DisneyPlus,Hulu,HBOMax,PrimeVideo,Piracy,StreamingBestOf,television"
)

DEFAULT_TREND_KEYWORDS = (
    "netflix,hulu,disney plus,hbo max,prime video,peacock,youtube tv,paramount plus,"
    "apple tv plus,sling tv,free streaming,watch free online,cancel netflix"
)


def env_section(prefix: str) -> SettingsConfigDict:
    """Each section reads its own prefix (and a `.env` file), ignoring everything else."""
    return SettingsConfigDict(
        env_prefix=prefix, env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )
