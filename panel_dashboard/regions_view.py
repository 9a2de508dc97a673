"""The Regions tab: search interest by region from the newest `region-interest` snapshot
of each keyword, as ranked horizontal bars (a map's reading, where is it highest, without
map tiles or fetches): the chosen platforms' terms, the alternative-viewing terms beside
them, the alternative-viewing share per region, and every keyword's ranking as a table.
Sources are named: the browser test reads them back through BokehJS."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import panel as pn
from bokeh.models import (
    ColumnDataSource,
    FactorRange,
    HoverTool,
    NumberFormatter,
    Span,
    StringFormatter,
    TableColumn,
)
from bokeh.plotting import figure

from streamapp.panel_dashboard import figures, regions
from streamapp.panel_dashboard.palette import OTHER
from streamapp.panel_dashboard.state import DashboardState
from streamapp.panel_dashboard.viewers_churn_view import data_table

BAR_PX = 16  # per region: 51 US states stay readable, a few countries stay compact
EMPTY = (
    "No search interest by region on `region-interest` yet. It is off by default: set "
    "`STREAMAPP_TRENDS_REGIONS` for the Trends collector (`US` for US states, `US,GB,DE` "
    "for countries) with `STREAMAPP_TRENDS_ENABLED=true` (docs/collectors.md, interest by "
    "region). A keyword's regions come at most once an hour."
)
NOTE = (
    "Newest fetch per keyword, regions of **{scope}**. Each term's 0-100 ranks the regions "
    "for that term alone (100: where it is the largest share of all searches), so the "
    "share below compares where each region sits in the two rankings, not search volumes."
)
# (source, file name, button label) -> a CSV button, made by the page (layout.csv_button)
CsvButton = Callable[[Any, str, str], Any]


def ranked_chart(name: str, title: str) -> tuple[figure, ColumnDataSource]:
    src = figures.source(name, "rank", "region", "interest", "terms", "series", "as_of",
                         "colour")  # fmt: skip
    fig = figure(title=title, y_range=FactorRange(), x_range=(0, 100), name=f"{name}_chart",
                 x_axis_label="search interest (0-100, within each term)",
                 **{**figures.SIZE, "height": 120})  # fmt: skip
    fig.hbar(y="region", right="interest", height=0.75, source=src, fill_color="colour",
             line_color=None)  # fmt: skip
    fig.add_tools(HoverTool(tooltips=[("region", "@region (#@rank)"), ("interest", "@interest"),
                                      ("of", "@series, @terms term(s)")]))  # fmt: skip
    return fig, src


def share_chart() -> tuple[figure, ColumnDataSource]:
    src = figures.source("region_comparison", "region", "alternative_interest",
                         "platform_interest", "alternative_share")  # fmt: skip
    fig = figure(title="Alternative-viewing share per region: alternative / (alternative + "
                 "platforms)", y_range=FactorRange(), x_range=(0, 100), name="region_share_chart",
                 x_axis_label="% (50: the two terms' rankings agree)",
                 **{**figures.SIZE, "height": 120})  # fmt: skip
    fig.hbar(y="region", right="alternative_share", height=0.75, source=src, fill_color=OTHER,
             line_color=None)  # fmt: skip
    fig.add_layout(Span(location=50, dimension="height", line_color="#333333", line_dash="dashed"))
    fig.add_tools(HoverTool(tooltips=[("region", "@region"),
                                      ("alternative share", "@alternative_share{0.0} %"),
                                      ("alternative viewing", "@alternative_interest"),
                                      ("platforms (mean)", "@platform_interest")]))  # fmt: skip
    return fig, src


KEYWORD_COLUMNS = (("keyword", "keyword", 140), ("platform", "platform", 120), ("rank", "#", 40),
                   ("region", "region", 80), ("interest", "interest", 70),
                   ("fetched_utc", "fetched (UTC)", 130))  # fmt: skip


def keyword_table() -> tuple[Any, ColumnDataSource]:
    """Every region of every shown keyword with the worker's rank (sortable by column)."""
    src = figures.source("region_keywords", *(f for f, _, _ in KEYWORD_COLUMNS))
    number = NumberFormatter(format="0.[0]")
    columns = [
        TableColumn(field=f, title=t, width=w,
                    formatter=number if f == "interest" else StringFormatter())
        for f, t, w in KEYWORD_COLUMNS
    ]  # fmt: skip
    return data_table(src, columns, figures.table_height(0)), src


def _fit(fig: figure, labels: list[str]) -> None:
    """Highest at the top, one bar height per region."""
    factors = labels[::-1]
    if list(fig.y_range.factors) != factors:
        fig.y_range.factors = factors
    height = 80 + BAR_PX * max(1, len(labels))
    if fig.height != height:
        fig.height = height


class RegionsPanel:
    def __init__(self) -> None:
        self.platform_fig, self.platform = ranked_chart(
            "region_platforms", "Platforms' search interest by region (ranked)"
        )
        self.alternative_fig, self.alternative = ranked_chart(
            "region_alternative", "Alternative-viewing terms' interest by region (ranked)"
        )
        self.share_fig, self.comparison = share_chart()
        self.table, self.keywords = keyword_table()
        self.empty = pn.pane.Markdown(EMPTY, sizing_mode="stretch_width")
        self.note = pn.pane.Markdown("", sizing_mode="stretch_width")
        self.charts = pn.Column(
            self.note,
            pn.Row(pn.pane.Bokeh(self.platform_fig, sizing_mode="stretch_width"),
                   pn.pane.Bokeh(self.alternative_fig, sizing_mode="stretch_width"),
                   sizing_mode="stretch_width"),
            pn.pane.Bokeh(self.share_fig, sizing_mode="stretch_width"),
            pn.pane.Markdown("### Every keyword's regions, ranked (newest fetch)"),
            pn.pane.Bokeh(self.table, sizing_mode="stretch_width"),
            visible=False, sizing_mode="stretch_width",
        )  # fmt: skip
        self._drawn: tuple[Any, ...] | None = None

    def draw(self, state: DashboardState, chosen: list[str]) -> None:
        """Redraw when a snapshot arrived or the platforms changed (snapshots come hourly:
        most redraws of the page change nothing here)."""
        board = state.regions
        key = (board.version, tuple(chosen))
        if key == self._drawn:
            return
        self._drawn = key
        current = board.current()
        self.empty.visible, self.charts.visible = not current, bool(current)
        if current:
            self.note.object = NOTE.format(scope=current[0].region_of)
        for fig, src, alternative in ((self.platform_fig, self.platform, False),
                                      (self.alternative_fig, self.alternative, True)):  # fmt: skip
            src.data = regions.ranked_bars(board, chosen, alternative)
            _fit(fig, src.data["region"])
        self.comparison.data = regions.comparison(board, chosen)
        _fit(self.share_fig, self.comparison.data["region"])
        self.keywords.data = regions.keyword_rows(board, chosen)
        self.table.height = figures.table_height(len(self.keywords.data["rank"]), most=15)

    def parts(self, csv_button: CsvButton) -> list[Any]:
        """The tab: the empty note or the charts, and their CSV buttons."""
        buttons = [
            csv_button(self.platform, "region_platforms.csv", "platform regions CSV"),
            csv_button(self.alternative, "region_alternative.csv", "alternative regions CSV"),
            csv_button(self.comparison, "region_comparison.csv", "region comparison CSV"),
            csv_button(self.keywords, "region_keywords.csv", "keyword regions CSV"),
        ]
        return [self.empty, self.charts, pn.Row(*buttons, sizing_mode="stretch_width")]
