"""Records (plain dicts, as decoded from the topics) -> rows for a target table."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from streamapp.loaders.schema import TableSpec


class RowError(ValueError):
    """A record that cannot become a row (the message says why); it is dead-lettered."""


@dataclass(frozen=True)
class SourceRow:
    """One row for a target table, and the Kafka position it came from."""

    values: tuple[Any, ...]
    topic: str
    partition: int
    offset: int

    @property
    def event_id(self) -> str:
        return str(self.values[0])


def _derived(spec: TableSpec, record: dict[str, Any]) -> dict[str, Any]:
    """Fields a table needs that the record does not carry as such."""
    if spec.name == "TRENDS":
        # A point is identified by what Google was asked and when: re-fetched points
        # replace the earlier value instead of adding a row.
        when = _timestamp(record.get("timestamp"))
        event_id = f"{record.get('keyword')}|{record.get('geo') or ''}|{when}"
        # Interest by region is another measure than interest over time at the same geo
        # and hour (STREAMAPP_TRENDS_REGIONS=US,GB and STREAMAPP_TRENDS_GEO=US): its own id.
        return {"event_id": event_id + ("|region" if record.get("region_of") else "")}
    if spec.name == "ALERTS":
        return {"event_id": f"{record.get('alert_id')}:{record.get('status')}"}
    if spec.name == "PLATFORM_WINDOWS":
        # Records from before revisions were sent are first closes.
        return {"revision": 0 if record.get("revision") is None else record["revision"]}
    if spec.name == "CHURN_SCORES":
        # One row per account and platform: a newer score (a higher offset of the
        # account's partition) replaces the earlier one.
        return {"event_id": f"{record.get('account')}|{record.get('platform')}"}
    return {}


def _timestamp(value: Any) -> Any:
    """ISO-8601 or epoch seconds -> 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC (TIMESTAMP_NTZ).
    Anything else is passed through untouched: the warehouse decides, and a value it
    rejects sends the row to the dead letters with the warehouse's own reason."""
    if isinstance(value, bool) or value is None:
        return value
    try:
        if isinstance(value, int | float):
            moment = datetime.fromtimestamp(value, UTC)
        elif isinstance(value, str):
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            if moment.tzinfo is not None:
                moment = moment.astimezone(UTC)
        else:
            return value
    except (ValueError, OverflowError, OSError):
        return value
    return moment.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def to_row(spec: TableSpec, record: Any, topic: str, partition: int, offset: int) -> SourceRow:
    if not isinstance(record, dict):
        raise RowError(f"{spec.name}: expected a JSON object, got {type(record).__name__}")
    fields = {**record, **_derived(spec, record)}
    fields.update(_topic=topic, _partition=partition, _offset=offset)
    values: list[Any] = []
    for column in spec.all_columns:
        value = fields.get(column.field)
        if column.is_json:
            value = None if value is None else json.dumps(value, separators=(",", ":"))
        elif column.sql_type.startswith("TIMESTAMP"):
            value = _timestamp(value)
        values.append(value)
    if not values[0]:
        raise RowError(f"{spec.name}: the record has no '{spec.columns[0].field}'")
    return SourceRow(tuple(values), topic, partition, offset)
