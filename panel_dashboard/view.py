"""One browser session's dashboard: filters, figures, and a batched refresh.

All sessions of a process read one shared `DashboardState` (filled by one feed). A
session never redraws per event: `refresh()` runs from a periodic callback a few times a
second and swaps the sources' data only when the state, the filters or the clock's bucket
moved, inside one `hold()` so a refresh reaches the browser as one message.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Protocol

import panel as pn
import param
from bokeh.models import FactorRange

from panel_dashboard import figures, listings, queries
from panel_dashboard.state import ALT, DashboardState
from streamapp.analytics.platforms import PLATFORMS

RANGES = {"5 min": 300, "15 min": 900, "1 h": 3600, "6 h": 21600}


class Feed(Protocol):
    """What a view needs from a feed: the shared state (a fake feed in the unit tests)."""

    state: DashboardState


class DashboardView(pn.viewable.Viewer):
    platforms = param.ListSelector(default=list(PLATFORMS), objects=list(PLATFORMS))
    range_s = param.Integer(default=900, bounds=(60, None))
    # Forecasts of counts and of interest (0-100) on one axis would squash one of them.
    forecast_metric = param.Selector(default="mentions", objects=["mentions", "interest"])

    def __init__(self, feed: Feed, clock: Callable[[], float] = time.time, **params: Any):
        super().__init__(**params)
        self.feed = feed
        self.clock = clock
        self._drawn: tuple[Any, ...] | None = None
        self._badges_drawn: tuple[int, int] | None = None
        self.mentions_fig, self.mentions = figures.line_chart(
            "mention_lines", "Mentions per platform", "posts per step"
        )
        self.interest_fig, self.interest = figures.line_chart(
            "interest_lines", "Search interest per platform (Google Trends, 0-100)", "interest"
        )
        self.piracy_fig, self.piracy = figures.line_chart(
            "piracy_lines", "Piracy posts per platform", "piracy posts per step"
        )
        # One time axis for the three time charts: panning or zooming one moves all.
        self.interest_fig.x_range = self.piracy_fig.x_range = self.mentions_fig.x_range
        self.mention_share_fig, self.share = figures.share_chart(
            "mention_share", "Share of mentions", "mention_share"
        )
        self.interest_share_fig, _ = figures.share_chart(
            "interest_share", "Share of search interest", "interest_share"
        )
        # both share charts draw from one source
        self.interest_share_fig.renderers[0].data_source = self.share
        self.sentiment_fig, self.sentiment = figures.sentiment_chart()
        self.switching_fig, self.switching = figures.switching_chart()
        self.forecast_fig, self.forecasts = figures.forecast_chart()
        self.alert_table, self.alerts = figures.alert_table()
        self.alert_detail = figures.alert_detail(self.alerts)
        self.window_table, self.windows = figures.window_table()
        self.badges, self.freshness = figures.badges()
        self.ratio = pn.pane.Markdown("", name="ratio")
        self.forecast_note = pn.pane.Markdown("No forecasts on `platform-forecasts` yet.")
        # In a Column: a Bokeh pane shown again after hiding stays hidden (Panel 1.9).
        self.forecast_pane = pn.Column(
            pn.pane.Bokeh(self.forecast_fig, sizing_mode="stretch_width"),
            sizing_mode="stretch_width",
        )

    # -- refreshing ---------------------------------------------------------------------

    def refresh(self) -> bool:
        """Swap in new data if anything moved; returns whether it redrew the charts."""
        state = self.feed.state
        now = self.clock()
        redraw = False
        filters = (tuple(self.platforms), self.range_s, self.forecast_metric)
        key = (state.version, filters, int(now // state.bucket_s))
        with pn.io.hold():
            if key != self._drawn:
                self._drawn = key
                self._draw(state)
                redraw = True
            if (state.version, int(now)) != self._badges_drawn:
                self._badges_drawn = (state.version, int(now))
                self.badges.text = listings.badges_html(state)
                self.freshness.data = listings.freshness_rows(state)
        return redraw

    def _draw(self, state: DashboardState) -> None:
        chosen, span = list(self.platforms), float(self.range_s)
        self.mentions.data = queries.lines(state, "mentions", chosen, span)
        self.interest.data = queries.lines(state, "interest", [*chosen, ALT], span)
        self.piracy.data = queries.lines(state, "piracy", chosen, span)
        share = queries.shares(state, chosen, span)
        self.share.data = share
        labels = share["label"][::-1]
        self.mention_share_fig.y_range.factors = labels
        self.interest_share_fig.y_range.factors = labels
        self.ratio.object = f"**{queries.leader_ratio(share)}**"
        self.sentiment.data = queries.sentiment_bars(state, chosen, span)
        self.sentiment_fig.y_range.factors = self.sentiment.data["label"][::-1]
        matrix = queries.switch_matrix(state, chosen, span)
        self.switching.data = matrix
        self._factors(self.switching_fig.x_range, matrix["to"])
        self._factors(self.switching_fig.y_range, matrix["from"], reverse=True)
        self.alerts.data = listings.alert_rows(state, chosen)
        self.windows.data = listings.window_rows(state, chosen)
        bands = listings.forecast_bands(state, chosen, self.forecast_metric)
        self.forecasts.data = bands
        self.forecast_note.visible = not bands["label"]
        self.forecast_note.object = (
            f"No {self.forecast_metric} forecasts on `platform-forecasts` for these platforms yet."
        )
        self.forecast_pane.visible = bool(bands["label"])  # an empty chart has no ranges

    @staticmethod
    def _factors(axis: FactorRange, values: list[str], reverse: bool = False) -> None:
        factors = sorted(set(values), reverse=reverse)
        if list(axis.factors) != factors:
            axis.factors = factors

    # -- layout -------------------------------------------------------------------------

    def _filters(self) -> pn.Row:
        platform_picker = pn.widgets.CheckButtonGroup.from_param(
            self.param.platforms,
            options={name: pid for pid, name in PLATFORMS.items()},
            color="primary",
            variant="outline",
            name="Platforms",
        )
        range_picker = pn.widgets.RadioButtonGroup.from_param(
            self.param.range_s, options=RANGES, color="primary", name="Time range"
        )
        return pn.Row(platform_picker, range_picker, sizing_mode="stretch_width")

    def _forecast_picker(self) -> pn.widgets.RadioButtonGroup:
        return pn.widgets.RadioButtonGroup.from_param(
            self.param.forecast_metric, color="light", name="Forecast of"
        )

    def __panel__(self) -> pn.viewable.Viewable:
        def bokeh(model: Any) -> pn.pane.Bokeh:
            return pn.pane.Bokeh(model, sizing_mode="stretch_width")

        return pn.Column(
            pn.pane.Markdown("# Streaming platforms, live"),
            bokeh(self.badges),
            self._filters(),
            pn.Row(bokeh(self.mentions_fig), bokeh(self.interest_fig)),
            pn.Row(bokeh(self.mention_share_fig), bokeh(self.interest_share_fig)),
            self.ratio,
            pn.Row(bokeh(self.sentiment_fig), bokeh(self.piracy_fig)),
            pn.Row(
                bokeh(self.switching_fig),
                pn.Column(self._forecast_picker(), self.forecast_pane, self.forecast_note),
            ),
            pn.pane.Markdown("### Alerts (newest first)"),
            bokeh(self.alert_table),
            bokeh(self.alert_detail),
            pn.pane.Markdown("### Newest closed window per platform (the worker's tables)"),
            bokeh(self.window_table),
            sizing_mode="stretch_width",
        )
