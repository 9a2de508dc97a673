"""The Viewers tab's churn figures and their redraw: the risk distribution per platform
(accounts per risk band, as a share of the platform's scored accounts), the observed
moves as a from -> to matrix, and the model's prequential quality next to the recency
baseline's. Sources are named: the browser test reads them back through BokehJS."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import panel as pn
from bokeh.models import (
    CDSView,
    ColumnDataSource,
    DataTable,
    FactorRange,
    GroupFilter,
    HoverTool,
    Legend,
    LegendItem,
    NumberFormatter,
    TableColumn,
)
from bokeh.plotting import figure
from bokeh.transform import dodge

from streamapp.analytics.platforms import PLATFORMS
from streamapp.analytics.viewer_gauge import RISK_EDGES
from streamapp.panel_dashboard import figures, viewer_churn
from streamapp.panel_dashboard.palette import colour
from streamapp.panel_dashboard.state import DashboardState

BAR_SPAN = 0.84  # of a band's width, shared by the platforms' bars side by side
# (source, file name, button label) -> a CSV button, made by the page (layout.csv_button)
CsvButton = Callable[[Any, str, str], Any]


def risk_chart() -> tuple[figure, ColumnDataSource]:
    """One bar per platform in each risk band (a renderer per platform: its legend entry
    hides it, like the lines)."""
    src = figures.source("risk_bands", "platform", "label", "colour", "band", "accounts",
                         "share", "as_of")  # fmt: skip
    fig = figure(title="Churn risk distribution (newest daily tick in the range)",
                 x_range=FactorRange(*viewer_churn.band_labels(list(RISK_EDGES))),
                 y_axis_label="% of the platform's accounts", x_axis_label="risk of cancelling "
                 "within the horizon", name="risk_chart", **figures.SIZE)  # fmt: skip
    width = BAR_SPAN / len(PLATFORMS)
    items = []
    for i, (platform, label) in enumerate(PLATFORMS.items()):
        offset = (i - (len(PLATFORMS) - 1) / 2) * width
        view = CDSView(filter=GroupFilter(column_name="platform", group=platform))
        bars = fig.vbar(x=dodge("band", offset, range=fig.x_range), top="share", width=width,
                        source=src, view=view, fill_color=colour(platform), line_color=None)  # fmt: skip
        items.append(LegendItem(label=label, renderers=[bars], name=f"risk_bands:{platform}"))
    fig.add_layout(Legend(items=items, click_policy="hide", label_text_font_size="8pt",
                          spacing=0), "right")  # fmt: skip
    fig.add_tools(HoverTool(tooltips=[("platform", "@label"), ("risk", "@band"),
                                      ("accounts", "@accounts"), ("share", "@share{0.0} %")]))  # fmt: skip
    fig.y_range.start = 0
    return fig, src


def moves_chart() -> tuple[figure, ColumnDataSource]:
    """Cells shaded by their count, in grey: every colour is some platform's elsewhere."""
    src = figures.source("viewer_moves", "from", "to", "moves", "alpha")
    fig = figure(title="Observed moves: cancelled (rows) -> signed up (columns)",
                 x_range=FactorRange(), y_range=FactorRange(), x_axis_location="above",
                 name="viewer_moves_chart", **figures.SIZE)  # fmt: skip
    fig.xaxis.major_label_orientation = 0.8
    fig.rect(x="to", y="from", width=0.95, height=0.95, source=src, fill_alpha="alpha",
             fill_color="#777777", line_color=None)  # fmt: skip
    fig.text(x="to", y="from", text="moves", source=src, text_align="center",
             text_baseline="middle")  # fmt: skip
    fig.add_tools(HoverTool(tooltips=[("from", "@from"), ("to", "@to"), ("moves", "@moves")]))
    return fig, src


def quality_table() -> tuple[DataTable, ColumnDataSource]:
    src = figures.source("churn_quality", "figure", "model", "baseline",
                         "model_minus_baseline", "labels", "as_of")  # fmt: skip
    number = NumberFormatter(format="0.000")
    table = data_table(
        src,
        [
            TableColumn(field="figure", title="prequential", width=90),
            TableColumn(field="model", title="churn model", formatter=number, width=90),
            TableColumn(field="baseline", title="recency baseline", formatter=number, width=110),
            TableColumn(
                field="model_minus_baseline", title="model - baseline", formatter=number, width=110
            ),
            TableColumn(field="labels", title="labels", width=70),
            TableColumn(field="as_of", title="as of window (UTC)", width=140),
        ],  # fmt: skip
        figures.table_height(3),
    )
    return table, src


def data_table(src: ColumnDataSource, columns: list[TableColumn], height: int) -> DataTable:
    """A table of the tab: as wide as the page, no index, no column reordering."""
    return DataTable(source=src, columns=columns, height=height, sizing_mode="stretch_width",
                     index_position=None, reorderable=False)  # fmt: skip


def _factors(axis: FactorRange, values: list[str], reverse: bool = False) -> None:
    factors = sorted(set(values), reverse=reverse)
    if list(axis.factors) != factors:
        axis.factors = factors


class ChurnPanel:
    def __init__(self) -> None:
        self.risk_fig, self.risk = risk_chart()
        self.moves_fig, self.moves = moves_chart()
        self.quality_table, self.quality = quality_table()

    def draw(self, state: DashboardState, chosen: list[str], start: float, end: float) -> None:
        risk = viewer_churn.risk_bars(state, chosen, start, end)
        self.risk.data = risk
        for item in self.risk_fig.legend[0].items:
            item.visible = item.name.split(":", 1)[1] in set(risk["platform"])
        moves = viewer_churn.move_matrix(state, chosen, start, end)
        self.moves.data = moves
        _factors(self.moves_fig.x_range, moves["to"])
        _factors(self.moves_fig.y_range, moves["from"], reverse=True)
        self.quality.data = viewer_churn.quality_rows(state, chosen, start, end)

    def parts(self, csv_button: CsvButton) -> list[Any]:
        """The tab's churn section, CSV buttons included."""
        buttons = [
            csv_button(self.risk, "risk_distribution.csv", "risk distribution CSV"),
            csv_button(self.moves, "viewer_moves.csv", "observed moves CSV"),
            csv_button(self.quality, "churn_quality.csv", "model quality CSV"),
        ]
        return [
            pn.pane.Bokeh(self.risk_fig, sizing_mode="stretch_width"),
            pn.Row(
                pn.pane.Bokeh(self.moves_fig, sizing_mode="stretch_width"),
                pn.Column(
                    pn.pane.Markdown(
                        "### Churn model against the recency baseline (prequential, live)"
                    ),
                    pn.pane.Bokeh(self.quality_table, sizing_mode="stretch_width"),
                    sizing_mode="stretch_width",
                ),  # fmt: skip
                sizing_mode="stretch_width",
            ),
            pn.Row(*buttons, sizing_mode="stretch_width"),
        ]
