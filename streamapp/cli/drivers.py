"""`streamapp drivers load FILE`: demand drivers onto the compacted `forecast-drivers` topic.

Each line becomes one record keyed `date|platform|name` (a later load of the same key
replaces it; compaction keeps the last). The whole file is checked first: one bad line
and nothing is written (exit 2, with the file, line and reason). The running worker reads
the topic before every refit, so its next forecasts use the new drivers without a restart.
"""

from __future__ import annotations

import argparse
from typing import Any

from streamapp.cli.options import read_files, register_load


def cmd_drivers_load(args: argparse.Namespace) -> int:
    from streamapp import topics
    from streamapp.analytics.forecasting.drivers import DriverError
    from streamapp.forecast_files.read import load_drivers
    from streamapp.sources.checkpoints import load_into_topic

    drivers = read_files("drivers load", args.file, load_drivers, (DriverError,))
    if drivers is None:
        return 2
    records = [(d.key, d.as_dict()) for d in drivers]
    topic = load_into_topic(topics.FORECAST_DRIVERS, records, args.bootstrap)
    platforms = sorted({d.platform or "all" for d in drivers})
    print(f"drivers: {len(drivers)} loaded into {topic} ({', '.join(platforms)})")
    return 0


def register(sub: Any) -> None:
    register_load(
        sub,
        "drivers",
        help="demand drivers for the live forecasts",
        load_help="write drivers CSV files to the forecast-drivers topic",
        file_help="drivers calendar or date,name,value series",
        func=cmd_drivers_load,
    )
