"""Faust agents: thin loops that decode, call pure functions, update tables and send."""

from __future__ import annotations

from streamapp.agents import (
    aggregate_windows,
    classify_posts,
    collect_sources,
    follow_catalogue,
    follow_trends,
    forecast_demand,
    score_viewers,
    track_interest,
    trend_titles,
)
from streamapp.runtime.context import PipelineContext


def register_agents(ctx: PipelineContext) -> None:
    classify_posts.register(ctx)
    track_interest.register(ctx)
    aggregate_windows.register(ctx)
    collect_sources.register(ctx)
    forecast_demand.register(ctx)
    follow_catalogue.register(ctx)
    follow_trends.register(ctx)
    score_viewers.register(ctx)
    trend_titles.register(ctx)
