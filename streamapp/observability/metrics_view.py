"""`GET /metrics` on the worker's web port (Prometheus text format), and the consumer-lag
sampler that keeps `streamapp_consumer_lag` current.

The metric objects live in `streamapp/observability/metrics.py`; the agents count into them per batch.
Lag is sampled on a timer (not per event) from Faust's consumer: for each assigned
partition of a topic the agents read, the broker's high watermark minus the next offset
this worker will process.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import faust
from faust.types import TP
from faust.web import Request, Response, View
from prometheus_client import REGISTRY, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4

from streamapp.observability.metrics import CONSUMER_LAG

log = logging.getLogger(__name__)

LAG_SAMPLE_SECONDS = 5.0


def partition_lag(
    highwater: int | None, read_offset: int | None, committed: int | None
) -> int | None:
    """Messages between what this worker has taken and the log end, or None if unknown.

    `read_offset` is the last offset handed to an agent (next = +1); before anything is
    read the committed offset is where consumption will start.
    """
    if highwater is None:
        return None
    if read_offset is not None:
        return max(0, highwater - (read_offset + 1))
    if committed is not None:
        return max(0, highwater - committed)
    return None


def _is_source(tp: TP) -> bool:
    # Table changelogs are assigned for recovery and standbys, not read by agents: their
    # "lag" would just be the table's size.
    return not tp.topic.endswith("-changelog")


def _safe_highwater(app: faust.App, tp: TP) -> int | None:
    try:
        value = app.consumer.highwater(tp)
    except Exception:  # the partition was revoked between assignment() and here
        return None
    return value if isinstance(value, int) and value >= 0 else None


class LagSampler:
    """Sets `streamapp_consumer_lag{topic,partition}` for this worker's partitions and
    removes the series of partitions it no longer owns (a revoked partition is another
    worker's to report)."""

    def __init__(self, app: faust.App) -> None:
        self.app = app
        self._labelled: set[tuple[str, str]] = set()

    def sample(self) -> None:
        app = self.app
        consumer = app.consumer
        if consumer is None or app.rebalancing:
            return
        read = app.monitor.tp_read_offsets or {}
        committed = getattr(consumer, "_committed_offset", {}) or {}
        seen: set[tuple[str, str]] = set()
        for tp in self._assigned():
            lag = partition_lag(_safe_highwater(app, tp), read.get(tp), committed.get(tp))
            if lag is None:
                continue
            labels = (tp.topic, str(tp.partition))
            CONSUMER_LAG.labels(*labels).set(lag)
            seen.add(labels)
        for labels in self._labelled - seen:
            CONSUMER_LAG.remove(*labels)
        self._labelled = seen

    def _assigned(self) -> Iterable[TP]:
        try:
            assigned = self.app.consumer.assignment()
        except Exception:  # not started yet, or stopping
            return ()
        return [tp for tp in assigned if _is_source(tp)]


def register_metrics(app: faust.App, lag_interval: float = LAG_SAMPLE_SECONDS) -> None:
    sampler = LagSampler(app)

    @app.page("/metrics")
    class Metrics(View):
        async def get(self, request: Request) -> Response:
            sampler.sample()  # a scrape sees the lag as of now, not up to 5 s ago
            # The header is set directly: aiohttp refuses a charset inside content_type.
            return self.bytes(
                generate_latest(REGISTRY), headers={"Content-Type": CONTENT_TYPE_PLAIN_0_0_4}
            )

    # Every worker samples its own partitions (not leader-only).
    @app.timer(interval=lag_interval, name="sample_consumer_lag")
    async def sample_consumer_lag() -> None:
        try:
            sampler.sample()
        except Exception:  # metrics must never take the worker down
            log.exception("sampling consumer lag failed")
