"""`streamapp drivers load FILE`: demand drivers onto the compacted `forecast-drivers` topic.

Each line becomes one record keyed `date|platform|name` (a later load of the same key
replaces it; compaction keeps the last). The whole file is checked first: one bad line
and nothing is written (exit 2, with the file, line and reason). The running worker reads
the topic before every refit, so its next forecasts use the new drivers without a restart.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def cmd_drivers_load(args: argparse.Namespace) -> int:
    from streamapp import topics
    from streamapp.analytics.forecasting.drivers import DriverError
    from streamapp.forecast_files.read import load_drivers
    from streamapp.sources.checkpoints import load_into_topic

    try:
        drivers = [d for path in args.file for d in load_drivers(Path(path))]
    except (DriverError, OSError) as exc:
        print(f"streamapp drivers load: {exc}", file=sys.stderr)
        return 2
    records = [(d.key, d.as_dict()) for d in drivers]
    topic = load_into_topic(topics.FORECAST_DRIVERS, records, args.bootstrap)
    platforms = sorted({d.platform or "all" for d in drivers})
    print(f"drivers: {len(drivers)} loaded into {topic} ({', '.join(platforms)})")
    return 0


def register(sub: Any) -> None:
    parser = sub.add_parser("drivers", help="demand drivers for the live forecasts")
    dsub = parser.add_subparsers(dest="drivers_command", required=True)
    load = dsub.add_parser("load", help="write drivers CSV files to the forecast-drivers topic")
    load.add_argument("file", nargs="+", help="drivers calendar or date,name,value series")
    load.add_argument("--bootstrap", help="overrides KAFKA_BOOTSTRAP_SERVERS")
    load.set_defaults(func=cmd_drivers_load)
