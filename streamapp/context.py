"""What every agent needs, built once per app by `create_app`."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import faust

from streamapp.config import Settings
from streamapp.topic_set import PipelineTopics
from tables import PipelineTables


@dataclass
class PipelineContext:
    app: faust.App
    settings: Settings
    topics: PipelineTopics
    tables: PipelineTables
    clock: Callable[[], float] = field(default=time.time)
    # publish(topic, key, value, partition): pre-serialised records straight to the
    # producer, for the per-post hot path (Faust's Topic.send costs about as much as
    # the rest of the work on a post). Faust still flushes it before every commit.
    publish: Callable[[str, bytes, bytes, int | None], Awaitable[Any]] | None = None
    # What predecessors delivered on the lanes this worker takes over (agents/takeovers.py);
    # None: no look-up (unit tests without a broker).
    takeovers: Any = None
