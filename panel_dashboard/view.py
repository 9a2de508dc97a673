"""One browser session's dashboard: filters, figures, and a batched refresh.

All sessions of a process read one shared `DashboardState` (filled by one feed). A
session never redraws per event: `refresh()` runs from a periodic callback a few times a
second and swaps the sources' data only when the state, the filters or the clock's bucket
moved, inside one `hold()` so a refresh reaches the browser as one message. The layout
(tabs, exports, the link to this view) is in `layout`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Protocol

import panel as pn
import param
from bokeh.models import FactorRange, Range1d

from streamapp.analytics.platforms import PLATFORMS
from streamapp.panel_dashboard import drilldown, figures, headline, listings, queries
from streamapp.panel_dashboard.figures import swap_data as swap
from streamapp.panel_dashboard.regions_view import RegionsPanel
from streamapp.panel_dashboard.state import ALT, DashboardState
from streamapp.panel_dashboard.viewers_view import ViewersPanel

CUSTOM = 0  # `range_s` of the custom range (the date-time pickers)
RANGES = {"5 min": 300, "15 min": 900, "1 h": 3600, "6 h": 21600, "Custom": CUSTOM}
INTENT_CHARTS = ("piracy", "cancellation", "switching")  # a point click lists its posts


class Feed(Protocol):
    """What a view needs from a feed: the shared state (a fake feed in the unit tests)."""

    state: DashboardState


def _epoch(value: datetime | None) -> float | None:
    """The pickers' naive date-times are UTC, like every time on the page."""
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()


def _unresolved(state: DashboardState) -> int:
    """Evidence ids of the remembered alerts not (yet) among the recent posts."""
    return sum(
        1 for a in state.alerts for e in drilldown.evidence_ids(a) if e not in state.recent_posts
    )


class DashboardView(pn.viewable.Viewer):
    platforms = param.ListSelector(default=list(PLATFORMS), objects=list(PLATFORMS))
    range_s = param.Integer(default=900, bounds=(0, None))  # CUSTOM: custom_start..custom_end
    custom_start = param.Date(default=None, allow_None=True)
    custom_end = param.Date(default=None, allow_None=True)
    # Forecasts of counts and of interest (0-100) on one axis would squash one of them.
    forecast_metric = param.Selector(default="mentions", objects=["mentions", "interest"])

    def __init__(self, feed: Feed, clock: Callable[[], float] = time.time, **params: Any):
        super().__init__(**params)
        self.feed = feed
        self.clock = clock
        self._drawn: tuple[Any, ...] | None = None
        self._badges_drawn: tuple[int, int] | None = None
        self._alerts_drawn: tuple[Any, ...] | None = None
        series = dict(PLATFORMS)
        self.time_range = Range1d(name="time_range")  # one time axis: zoom one, zoom all
        charts = {
            "mentions": ("mention_lines", "Mentions per platform", "posts per step", series),
            "interest": ("interest_lines", "Search interest per platform (Google Trends, "
                         "0-100)", "interest", {**series, ALT: queries.name(ALT)}),
            **{i: (f"{i}_lines", f"{i.capitalize()} posts per platform (click a point for "
                   "its posts)", f"{i} posts per step", series) for i in INTENT_CHARTS},
        }  # fmt: skip
        self.lines: dict[str, Any] = {}  # metric -> (figure, source)
        for metric, (name, title, y_label, legend) in charts.items():
            fig, src = figures.line_chart(name, title, y_label, legend)
            fig.x_range = self.time_range
            self.lines[metric] = (fig, src)
        self.mentions_fig, self.mentions = self.lines["mentions"]
        self.interest_fig, self.interest = self.lines["interest"]
        self.piracy_fig, self.piracy = self.lines["piracy"]
        self.interest_points = figures.add_markers(self.interest_fig, "interest_points")
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
        self.viewers = ViewersPanel(self.time_range)  # the Viewers tab, on the same axis
        self.regions = RegionsPanel()  # the Regions tab (newest snapshots, no time axis)
        # Panel's HTML panes, not Bokeh Divs: a Div whose text changes makes BokehJS lay
        # out and repaint the whole page (most of a redraw's time in the page, measured
        # with the headline changing at every redraw); Panel's pane swaps its HTML only.
        self.badges = pn.pane.HTML("", sizing_mode="stretch_width", css_classes=["badges"])
        self.headline = pn.pane.HTML(
            "", sizing_mode="stretch_width", css_classes=["headline_cards"]
        )
        self.freshness, self.headline_numbers = figures.freshness(), figures.headline()
        self.carrier = figures.carrier(self.freshness, self.headline_numbers)
        self.point_posts = figures.point_posts_div()
        for intent in INTENT_CHARTS:
            figures.on_point_click(self.lines[intent][0], self._clicked(intent))
        self.ratio = pn.pane.Markdown("", name="ratio")
        self.forecast_note = pn.pane.Markdown("No forecasts on `platform-forecasts` yet.")
        # In a Column: a Bokeh pane shown again after hiding stays hidden (Panel 1.9).
        self.forecast_pane = pn.Column(
            pn.pane.Bokeh(self.forecast_fig, sizing_mode="stretch_width"),
            sizing_mode="stretch_width",
        )

    # -- what is shown --------------------------------------------------------------------

    def span(self) -> tuple[float, float]:
        """The picked range as (start, end) epoch seconds: ending now, or the custom range
        clipped to the dashboard's history (a reversed or empty one falls back to 15 min)."""
        state, now = self.feed.state, self.clock()
        if self.range_s != CUSTOM:
            return now - self.range_s, now
        start, end = _epoch(self.custom_start), _epoch(self.custom_end)
        oldest = now - state.history_s
        start = max(start if start is not None else now - 900, oldest)
        end = min(end if end is not None else now, now)
        if end - start < state.bucket_s:
            return now - 900, now
        return start, end

    # -- refreshing ---------------------------------------------------------------------

    def refresh(self) -> bool:
        """Swap in new data if anything moved; returns whether it redrew the charts."""
        state = self.feed.state
        now = self.clock()
        redraw = False
        filters = (tuple(self.platforms), self.span_key(), self.forecast_metric)
        key = (state.version, filters, int(now // state.bucket_s))
        with pn.io.hold():
            if key != self._drawn:
                self._drawn = key
                self._draw(state)
                redraw = True
            if (state.version, int(now)) != self._badges_drawn:
                self._badges_drawn = (state.version, int(now))
                self.badges.object = listings.badges_html(state)
                self.freshness.data = listings.freshness_rows(state)
        return redraw

    def span_key(self) -> tuple[Any, ...]:
        return (self.range_s, self.custom_start, self.custom_end)

    def _draw(self, state: DashboardState) -> None:
        chosen = list(self.platforms)
        start, end = self.span()
        span = float(self.range_s) if self.range_s != CUSTOM else end - start
        live_end = None if self.range_s != CUSTOM else end  # None: the cached "now" window
        for metric, (fig, src) in self.lines.items():
            wanted = [*chosen, ALT] if metric == "interest" else chosen
            swap(src, queries.lines(state, metric, wanted, span, live_end))
            figures.show_legend_items(fig, set(src.data["platform"]))  # sends only changes
        swap(self.interest_points, queries.points(self.interest.data))
        # The x axis is the picked range, not the data's extent ("5 min" shows 5 minutes),
        # ending with the newest step: it moves once a step, not at every refresh, so a
        # chart whose data did not change is not drawn again.
        axis_end = end if self.range_s == CUSTOM else state.step_end(end)
        self.time_range.update(start=(axis_end - span) * 1000, end=axis_end * 1000)
        found = headline.metrics(state, chosen, start, end)
        swap(self.headline_numbers, headline.columns(found))
        self.headline.object = headline.cards_html(found, headline.firing_now(state, chosen))
        share = queries.shares(state, chosen, span, live_end)
        swap(self.share, share)
        labels = share["label"][::-1]
        self.mention_share_fig.y_range.factors = labels
        self.interest_share_fig.y_range.factors = labels
        self.ratio.object = f"**{queries.leader_ratio(share)}**"
        swap(self.sentiment, queries.sentiment_bars(state, chosen, span, live_end))
        self.sentiment_fig.y_range.factors = self.sentiment.data["label"][::-1]
        matrix = queries.switch_matrix(state, chosen, span, live_end)
        swap(self.switching, matrix)
        self._factors(self.switching_fig.x_range, matrix["to"])
        self._factors(self.switching_fig.y_range, matrix["from"], reverse=True)
        # The rows carry their explanation and evidence posts (kilobytes each): resent only
        # when the alerts, the platforms or the posts their evidence resolves to changed.
        alerts_key = (tuple(chosen), state.freshness["alerts"].messages, _unresolved(state))
        if alerts_key != self._alerts_drawn:
            self._alerts_drawn = alerts_key
            alerts = listings.alert_rows(state, chosen)
            self.alerts.data = alerts
            self.alert_table.height = figures.table_height(len(alerts["rule"]))
        windows = listings.window_rows(state, chosen)
        swap(self.windows, windows)
        self.window_table.height = figures.table_height(len(windows["platform"]))
        self.regions.draw(state, chosen)  # sends something only when a snapshot came
        if self.viewers.shown:  # drawn only while its tab is open: no cost on the others
            self.viewers.draw(state, chosen, (start, end), span, live_end)
        bands = listings.forecast_bands(state, chosen, self.forecast_metric)
        swap(self.forecasts, bands)
        self.forecast_note.visible = not bands["label"]
        self.forecast_note.object = (
            f"No {self.forecast_metric} forecasts on `platform-forecasts` for these platforms yet."
        )
        self.forecast_pane.visible = bool(bands["label"])  # an empty chart has no ranges

    def show_viewers(self, shown: bool) -> None:
        """The Viewers tab was opened (or left): draw it from the next refresh on."""
        self.viewers.shown = shown
        if shown:
            self._drawn = None

    def _clicked(self, intent: str) -> Callable[[float, float], None]:
        def show(x_ms: float, y: float) -> None:
            self.show_point(intent, x_ms / 1000, y)

        return show

    def show_point(self, intent: str, at: float, y: float) -> None:
        """A click on an intent chart: the posts of the nearest line's step under it."""
        src = self.lines[intent][1].data
        if not src["platform"]:
            return
        step = (src["xs"][0][1] - src["xs"][0][0]) / 1000 if len(src["xs"][0]) > 1 else 5.0
        # the step whose end is the first one at or after the click
        ends = [e / 1000 for e in src["xs"][0]]
        end = next((e for e in ends if e >= at), ends[-1])
        k = ends.index(end)
        nearest = min(range(len(src["platform"])), key=lambda i: abs(src["ys"][i][k] - y))
        state = self.feed.state
        platform = src["platform"][nearest]
        self.point_posts.text = drilldown.point_html(state, platform, intent, end - step, end)

    @staticmethod
    def _factors(axis: FactorRange, values: list[str], reverse: bool = False) -> None:
        factors = sorted(set(values), reverse=reverse)
        if list(axis.factors) != factors:
            axis.factors = factors

    def __panel__(self) -> pn.viewable.Viewable:
        from streamapp.panel_dashboard.layout import page

        return page(self)
