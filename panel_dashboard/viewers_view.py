"""The Viewers tab's figures and their redraw: the viewers' gauge, plays and the share of
them from a recommendation, content-gap posts, the trending titles per platform, and the
churn section (viewers_churn_view.py).

Every time chart shares the market charts' x range (one time axis for the whole page),
and they are stacked in one column, so a title leaving a platform lines up with the
content-gap posts about it and the viewers' moves that follow. They are in the page only
while their tab is open (layout.py), and drawn only then.
"""

from __future__ import annotations

from typing import Any

from bokeh.models import (
    ColumnDataSource,
    DataTable,
    FactorRange,
    HoverTool,
    NumberFormatter,
    Range1d,
    TableColumn,
)
from bokeh.plotting import figure

from streamapp.analytics.platforms import PLATFORMS
from streamapp.panel_dashboard import figures, queries, viewer_queries
from streamapp.panel_dashboard.state import DashboardState
from streamapp.panel_dashboard.viewers_churn_view import ChurnPanel, data_table

# metric -> (source name, title, y label); in the order they are stacked
TIME_CHARTS = {
    "content_gap": ("content_gap_lines", "Content-gap posts per platform", "posts per step"),
    "plays": ("plays_lines", "Plays per platform and window (title-trends)", "plays"),
    "recommended": ("recommended_lines", "Share of plays that came from a recommendation",
                    "% of plays"),
    "accounts_at_risk": ("at_risk_lines", "Accounts at risk per platform (churn risk above "
                         "the threshold)", "accounts"),
    "accounts_active": ("active_lines", "Active accounts per platform", "accounts"),
    "expected_cancellations": ("expected_lines", "Expected cancellations per platform (sum "
                               "of the risks)", "accounts"),
}  # fmt: skip


def trend_table(kind: str) -> tuple[DataTable, ColumnDataSource]:
    extra = ("previous_plays", "growth") if kind == "rising" else ()
    src = figures.source(f"trending_{kind}", "platform", "window_end", "rank", "title_id",
                         "plays", *extra)  # fmt: skip
    number = NumberFormatter(format="0.[00]")
    table = data_table(
        src,
        [
            TableColumn(field="platform", title="platform", width=90),
            TableColumn(field="rank", title="#", width=30),
            TableColumn(field="title_id", title="title", width=150),
            TableColumn(field="plays", title="plays", width=60),
            *[
                TableColumn(field=f, title=f.replace("_", " "), formatter=number, width=80)
                for f in extra
            ],
            TableColumn(field="window_end", title="window end (UTC)", width=140),
        ],  # fmt: skip
        figures.table_height(0),
    )
    return table, src


def share_bars() -> tuple[figure, ColumnDataSource]:
    src = figures.source("recommended_share", "platform", "label", "colour", "plays",
                         "recommended", "share")  # fmt: skip
    fig = figure(title="Share of plays from a recommendation over the range", y_range=FactorRange(),
                 x_axis_label="% of plays", **figures.SIZE)  # fmt: skip
    fig.hbar(y="label", right="share", height=0.7, source=src, fill_color="colour", line_color=None)
    fig.add_tools(HoverTool(tooltips=[("platform", "@label"), ("share", "@share{0.0} %"),
                                      ("plays", "@plays")]))  # fmt: skip
    fig.x_range.start = 0
    return fig, src


class ViewersPanel:
    def __init__(self, time_range: Range1d) -> None:
        self.lines: dict[str, tuple[figure, ColumnDataSource]] = {}
        self.markers: dict[str, ColumnDataSource] = {}
        for metric, (name, title, y_label) in TIME_CHARTS.items():
            fig, src = figures.line_chart(name, title, y_label, dict(PLATFORMS))
            fig.x_range = time_range
            self.lines[metric] = (fig, src)
            if metric != "content_gap":  # one value a window: a lone one draws no line
                self.markers[metric] = figures.add_markers(fig, name.replace("_lines", "_points"))
        self.share_fig, self.shares = share_bars()
        self.top_table, self.top = trend_table("top")
        self.rising_table, self.rising = trend_table("rising")
        self._churn: ChurnPanel | None = None
        self._drawn: tuple[Any, ...] | None = None
        self.shown = False  # the tab is open (the view draws it only then)

    @property
    def churn(self) -> ChurnPanel:
        """The risk distribution, observed moves and model quality: made when the tab is
        first opened (about 0.5 s of a page's build on a loaded machine, for every page)."""
        if self._churn is None:
            self._churn = ChurnPanel()
        return self._churn

    def draw(
        self,
        state: DashboardState,
        chosen: list[str],
        span: tuple[float, float],
        range_s: float,
        live_end: float | None,
    ) -> None:
        """Redraw for the platforms and the range (`span` as epoch seconds; `range_s` and
        `live_end` as the market charts take them)."""
        fig, src = self.lines["content_gap"]
        src.data = queries.lines(state, "content_gap", chosen, range_s, live_end)
        figures.show_legend_items(fig, set(src.data["platform"]))
        start, end = span
        key = (state.viewers.version, tuple(chosen), int(start // 5), int(end // 5))
        if key == self._drawn:
            return  # the windows come once a minute: most redraws change nothing here
        self._drawn = key
        columns = {
            "plays": viewer_queries.play_lines(state, chosen, start, end),
            "recommended": viewer_queries.play_lines(state, chosen, start, end, share=True),
            **{m: viewer_queries.gauge_lines(state, m, chosen, start, end)
               for m in viewer_queries.GAUGES},
        }  # fmt: skip
        for metric, data in columns.items():
            fig, src = self.lines[metric]
            src.data = data
            self.markers[metric].data = queries.points(data)
            figures.show_legend_items(fig, set(data["platform"]))
        shares = viewer_queries.recommended_shares(state, chosen, start, end)
        self.shares.data = shares
        self.share_fig.y_range.factors = shares["label"][::-1]
        for table, src, kind in ((self.top_table, self.top, "top"),
                                 (self.rising_table, self.rising, "rising")):  # fmt: skip
            src.data = viewer_queries.trending_rows(state, chosen, start, end, kind)
            table.height = figures.table_height(len(src.data["rank"]), most=12)
        self.churn.draw(state, chosen, start, end)
