"""The warehouse sink's own Faust app: `streamapp sink` runs it.

It is a separate consumer group (`<app id>-warehouse`) rather than more agents in the
main worker because Faust delivers each message to every agent of a topic in turn: a
sink waiting on a slow or unreachable warehouse would stall classification, windows and
alerts with it. Apart, the sink can lag (and say so) while the pipeline runs on,
the way the Snowflake Kafka connector runs beside the applications that feed it.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import faust

from streamapp.agents.load_warehouse import SinkContext, register_sink_agents
from streamapp.config import Settings
from streamapp.loaders import (
    TABLES,
    BatchSink,
    SchemaGate,
    SnowflakeLoader,
    TableSpec,
    open_connection,
)
from streamapp.runtime.faust_app import faust_options, harden
from streamapp.runtime.topic_set import declare


def create_sink_app(
    settings: Settings | None = None,
    make_sink: Callable[[], BatchSink] | None = None,
    specs: tuple[TableSpec, ...] = TABLES,
    clock: Callable[[], float] = time.time,
) -> faust.App:
    settings = settings or Settings()
    warehouse = settings.warehouse
    app = faust.App(f"{settings.pipeline.app_id}-warehouse", **faust_options(settings))
    if make_sink is None:
        schema = SchemaGate()  # the first table's loader creates what is missing

        def make_sink() -> BatchSink:
            return SnowflakeLoader(lambda: open_connection(warehouse), schema_gate=schema)

    ctx = SinkContext(
        app=app,
        settings=settings,
        dead_letters=declare(app, settings).dead_letters,
        make_sink=make_sink,
        clock=clock,
    )
    register_sink_agents(ctx, specs)
    harden(app, settings, ctx.health)
    app.sink = ctx  # type: ignore[attr-defined]  # for tests
    return app
