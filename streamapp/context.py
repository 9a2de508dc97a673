"""What every agent needs, built once per app by `create_app`."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

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
