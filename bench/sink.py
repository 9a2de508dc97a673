"""`python -m bench sink`: what the exactly-once path costs against a plain INSERT.

The same signal rows go into the local warehouse (fakesnow's server, through the real
Snowflake connector) three times per batch size: twice through our path (stage, MERGE
on the event id, compare-and-set of the offsets, one transaction per batch), staging by
the bulk path (PUT + COPY INTO, what the sink chooses where it works) and by multi-row
INSERTs (its fallback), and once as a plain multi-row INSERT per batch into a table of
the same shape. Each run gets a fresh schema. Last line (ours: the bulk path):

    sink: rows_per_s=<ours at 5000> plain_rows_per_s=<plain at 5000> ratio=<ours/plain>
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
import uuid
from pathlib import Path

from bench.common import BenchError, fmt_rate, fmt_ratio, table
from streamapp.config import WarehouseSettings
from streamapp.embedded import free_port
from streamapp.loaders import SourceRow, open_connection, to_row
from streamapp.loaders.load_sql import create_stage_sql, insert_rows_sql
from streamapp.loaders.local_warehouse import LocalEndpoint
from streamapp.loaders.schema import POSTS
from streamapp.loaders.snowflake_loader import ROWS_PER_INSERT
from tests.harness.warehouse import WarehouseServer, loader_for, schema_settings

INTENTS = ["piracy", "switching", "cancellation", "price_complaint", "content_gap"]
PLATFORMS = ["netflix", "disney_plus", "hulu", "max", "prime_video"]


def sink_line(ours: float, plain: float) -> str:
    return f"sink: rows_per_s={fmt_rate(ours)} plain_rows_per_s={fmt_rate(plain)} ratio=" + (
        fmt_ratio(ours / plain) if plain else "nan"
    )


def signal_rows(n: int, seed: int = 7) -> list[SourceRow]:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        record = {
            "event_id": f"t1_bench{i}",
            "kind": "comment",
            "subreddit": "cordcutters",
            "event_time": f"2025-11-21T{i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d}Z",
            "platforms": rng.sample(PLATFORMS, k=rng.randint(1, 2)),
            "intents": rng.sample(INTENTS, k=rng.randint(0, 2)),
            "sentiment": rng.uniform(-1, 1),
            "switch_from": None,
            "switch_to": None,
            "score": rng.randint(-5, 500),
            "text": "Thinking about cancelling after the price hike, honestly " * 2,
            "author_hash": f"{rng.getrandbits(128):032x}",
            "classifier_version": "bench",
        }
        rows.append(to_row(POSTS, record, "discussion-signals", i % 4, i // 4))
    return rows


def settings_for(port: int, schema: str) -> WarehouseSettings:
    # A bulk load of thousands of rows can take longer than the local default timeout.
    return schema_settings(LocalEndpoint("127.0.0.1", port), schema, network_timeout=60)


def run_ours(port: int, rows: list[SourceRow], batch: int, bulk: bool) -> float:
    settings = settings_for(port, f"OURS_{uuid.uuid4().hex[:8].upper()}")
    loader = loader_for(settings, bulk=None if bulk else False)
    try:
        loader.init_schema()
        started = time.perf_counter()
        for i in range(0, len(rows), batch):
            loader.commit(loader.stage(POSTS, rows[i : i + batch]))
        took = time.perf_counter() - started
        if loader.bulk.enabled is not bulk:
            raise BenchError(f"the sink's bulk path was {loader.bulk.enabled}, expected {bulk}")
        [[loaded]] = loader._run(f"SELECT COUNT(*) FROM {POSTS.name}").fetchall()
        if loaded != len(rows):
            raise BenchError(f"{loaded} rows in the warehouse, expected {len(rows)}")
        return len(rows) / took
    finally:
        loader.close()


def run_plain(port: int, rows: list[SourceRow], batch: int) -> float:
    settings = settings_for(port, f"PLAIN_{uuid.uuid4().hex[:8].upper()}")
    conn = open_connection(settings)
    try:
        cur = conn.cursor()
        # The stage's shape is the target's with JSON kept as text: what a plain
        # INSERT of these values can go into.
        ddl = create_stage_sql(POSTS).replace(
            "CREATE TEMPORARY TABLE IF NOT EXISTS", "CREATE TABLE"
        )
        cur.execute(ddl)
        started = time.perf_counter()
        for i in range(0, len(rows), batch):
            # The same statement size as ours: a multi-row INSERT per ROWS_PER_INSERT rows.
            for j in range(i, min(i + batch, len(rows)), ROWS_PER_INSERT):
                chunk = rows[j : min(j + ROWS_PER_INSERT, i + batch, len(rows))]
                sql = insert_rows_sql(POSTS.stage_name, POSTS, len(chunk)).replace("%s", "?")
                cur.execute(sql, [v for row in chunk for v in row.values])
        return len(rows) / (time.perf_counter() - started)
    finally:
        conn.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench sink", description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000, help="rows per run")
    parser.add_argument("--batch", type=int, action="append", help="batch sizes (500, 5000)")
    args = parser.parse_args(argv)
    batches = args.batch or [500, 5000]
    rows = signal_rows(args.rows)
    results: dict[int, tuple[float, float, float]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-sink-") as tmp:
        server = WarehouseServer(Path(tmp), free_port()).start()
        try:
            for batch in batches:
                plain = run_plain(server.port, rows, batch)
                inserts = run_ours(server.port, rows, batch, bulk=False)
                ours = run_ours(server.port, rows, batch, bulk=True)
                results[batch] = (ours, inserts, plain)
        finally:
            server.stop()
    print(f"{len(rows)} rows per run, local warehouse (fakesnow over DuckDB), real connector")
    print(
        table(
            [
                [batch, fmt_rate(o), fmt_rate(i), fmt_rate(p), fmt_ratio(o / p), fmt_ratio(i / p)]
                for batch, (o, i, p) in results.items()
            ],
            [
                "batch",
                "exactly-once bulk rows/s",
                "exactly-once INSERT rows/s",
                "plain INSERT rows/s",
                "bulk/plain",
                "INSERT/plain",
            ],
        )
    )
    ours, _, plain = results[max(results)]
    print(sink_line(ours, plain))
    return 0
