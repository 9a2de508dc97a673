"""The Bokeh figures, each drawing from one named ColumnDataSource.

Names matter: the browser tests and the dashboard benchmark read the data back through
BokehJS (`Bokeh.documents[0].get_model_by_name(...)`), since Panel renders in shadow DOM.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from bokeh.events import Tap
from bokeh.models import (
    CDSView,
    ColumnDataSource,
    CustomJS,
    DataTable,
    Div,
    FactorRange,
    GroupFilter,
    HoverTool,
    Legend,
    LegendItem,
    NumberFormatter,
    StringFormatter,
    TableColumn,
)
from bokeh.plotting import figure

from streamapp.panel_dashboard.palette import colour

LINE_COLUMNS = ("xs", "ys", "platform", "label", "colour")
SIZE = {"height": 260, "sizing_mode": "stretch_width", "toolbar_location": "above"}


def source(name: str, *columns: str) -> ColumnDataSource:
    return ColumnDataSource({c: [] for c in columns}, name=name)


def line_chart(
    name: str, title: str, y_label: str, series: dict[str, str]
) -> tuple[figure, ColumnDataSource]:
    """One line per platform over time, all drawn from one source (one row per line).

    Each platform is its own renderer (a view of its rows), so a click on its legend entry
    hides that platform alone (one grouped renderer would hide every line at once).
    `series`: platform id -> legend label, in legend order."""
    src = source(name, *LINE_COLUMNS)
    fig = figure(
        title=title,
        x_axis_type="datetime",
        y_axis_label=y_label,
        name=name.replace("_lines", "_chart"),
        **SIZE,
    )
    items = []
    for platform, label in series.items():
        view = CDSView(filter=GroupFilter(column_name="platform", group=platform))
        line = fig.multi_line(
            "xs", "ys", source=src, view=view, line_color=colour(platform), line_width=2
        )
        items.append(LegendItem(label=label, renderers=[line], name=f"{name}:{platform}"))
    legend = Legend(
        items=items,
        name=name.replace("_lines", "_legend"),
        click_policy="hide",
        label_text_font_size="8pt",
        spacing=0,
    )
    fig.add_layout(legend, "right")  # beside the plot: ten platforms would hide the lines
    fig.add_tools(HoverTool(tooltips=[("platform", "@label"), ("value", "$y{0.[00]}")]))
    return fig, src


def add_markers(fig: figure, name: str) -> ColumnDataSource:
    """Dots at each value of a sparse series (search interest comes every few minutes: a
    lone value between gaps draws no line). Joined to each platform's legend entry, so the
    entry hides both. Columns: x, y, platform (one row per point)."""
    src = source(name, "x", "y", "platform")
    for item in fig.legend[0].items:
        platform = item.name.split(":", 1)[1]
        view = CDSView(filter=GroupFilter(column_name="platform", group=platform))
        dots = fig.scatter("x", "y", source=src, view=view, size=6, color=colour(platform))
        item.renderers = [*item.renderers, dots]
    return src


def show_legend_items(fig: figure, present: set[str]) -> None:
    """Legend entries only for platforms with a line now (ten idle entries are noise)."""
    for item in fig.legend[0].items:
        shown = item.name.split(":", 1)[1] in present
        if item.visible != shown:
            item.visible = shown


def share_chart(name: str, title: str, column: str) -> tuple[figure, ColumnDataSource]:
    src = source(name, "platform", "label", "colour", "mentions", "mention_share", "interest_share")
    fig = figure(title=title, y_range=FactorRange(), x_axis_label="% of the selection", **SIZE)
    fig.hbar(y="label", right=column, height=0.7, source=src, fill_color="colour", line_color=None)
    fig.add_tools(HoverTool(tooltips=[("platform", "@label"), ("share", f"@{column}{{0.0}} %")]))
    fig.x_range.start = 0
    return fig, src


def sentiment_chart() -> tuple[figure, ColumnDataSource]:
    src = source("sentiment", "label", "sentiment", "posts", "colour")
    fig = figure(
        title="Mean sentiment per platform (VADER, -1..1)",
        y_range=FactorRange(),
        x_range=(-1, 1),
        **SIZE,
    )
    fig.hbar(y="label", right="sentiment", height=0.7, source=src, fill_color="colour")
    fig.add_tools(HoverTool(tooltips=[("sentiment", "@sentiment{0.000}"), ("posts", "@posts")]))
    return fig, src


def switching_chart() -> tuple[figure, ColumnDataSource]:
    src = source("switching", "from", "to", "moves", "alpha")
    fig = figure(
        title="Switching: from (rows) -> to (columns)",
        x_range=FactorRange(),
        y_range=FactorRange(),
        x_axis_location="above",
        **SIZE,
    )
    fig.xaxis.major_label_orientation = 0.8  # ten platform names side by side overlap
    fig.rect(x="to", y="from", width=0.95, height=0.95, source=src, fill_alpha="alpha")
    fig.text(
        x="to", y="from", text="moves", source=src, text_align="center", text_baseline="middle"
    )
    fig.add_tools(HoverTool(tooltips=[("from", "@from"), ("to", "@to"), ("moves", "@moves")]))
    return fig, src


def forecast_chart() -> tuple[figure, ColumnDataSource]:
    src = source("forecasts", "band_xs", "band_ys", "xs", "ys", "label", "colour")
    fig = figure(title="Forecasts (band: yhat_lower..yhat_upper)", x_axis_type="datetime", **SIZE)
    fig.patches("band_xs", "band_ys", source=src, fill_color="colour", fill_alpha=0.2, line_alpha=0)
    fig.multi_line("xs", "ys", source=src, line_color="colour", line_width=2, legend_field="label")
    fig.legend.location = "top_left"
    fig.legend.click_policy = "hide"
    return fig, src


def alert_table() -> tuple[DataTable, ColumnDataSource]:
    columns = (
        "fired_at",
        "status",
        "severity",
        "rule",
        "platform",
        "message",
        "alert_id",
        "colour",
        "explanation",
    )
    src = source("alerts", *columns)
    coloured = StringFormatter(text_color="colour", font_style="bold")
    table = DataTable(
        source=src,
        columns=[
            TableColumn(field="fired_at", title="fired at (UTC)", width=150),
            TableColumn(field="status", title="status", formatter=coloured, width=70),
            TableColumn(field="severity", title="severity", formatter=coloured, width=70),
            TableColumn(field="rule", title="rule", width=130),
            TableColumn(field="platform", title="platform", width=90),
            TableColumn(field="message", title="message", width=520),
        ],
        height=240,
        sizing_mode="stretch_width",
        index_position=None,
        reorderable=False,  # column reordering needs jquery-ui, which we do not ship
        name="alert_table",
    )
    return table, src


ALERT_HINT = "<i>Click an alert to see what explains it and the posts behind it.</i>"

# In the browser, no round trip: the clicked row's `explanation` goes into the Div. The
# table is redrawn with new data several times a second, so the choice is kept by alert
# (id and status, in the Div's tags) and found again in each new version of the rows.
_SHOW = """
const i = src.selected.indices.length ? src.selected.indices[0] : -1;
if (i < 0 || i >= src.data.alert_id.length) { return; }
div.tags = [src.data.alert_id[i] + '|' + src.data.status[i]];
div.text = src.data.explanation[i];
"""
_KEEP = """
if (!div.tags.length) { return; }
const d = src.data;
for (let i = 0; i < d.alert_id.length; i++) {
  if (d.alert_id[i] + '|' + d.status[i] === div.tags[0]) {
    src.selected.indices = [i];
    div.text = d.explanation[i];
    return;
  }
}
"""


def alert_detail(src: ColumnDataSource) -> Div:
    """The explanation of the alert clicked in the alert table (`alert_detail`)."""
    div = Div(text=ALERT_HINT, name="alert_detail", sizing_mode="stretch_width")
    src.selected.js_on_change("indices", CustomJS(args={"src": src, "div": div}, code=_SHOW))
    src.js_on_change("data", CustomJS(args={"src": src, "div": div}, code=_KEEP))
    return div


def window_table() -> tuple[DataTable, ColumnDataSource]:
    fields = ("mentions", "piracy", "cancellation", "switching_away", "sentiment", "interest")
    src = source("windows", "platform", "window_end", *fields, "late")
    number = NumberFormatter(format="0.[000]")
    table = DataTable(
        source=src,
        columns=[
            TableColumn(field="platform", title="platform"),
            TableColumn(field="window_end", title="window end (UTC)"),
            *[TableColumn(field=f, title=f.replace("_", " "), formatter=number) for f in fields],
            TableColumn(field="late", title="late events"),
        ],
        height=200,
        sizing_mode="stretch_width",
        index_position=None,
        reorderable=False,
    )
    return table, src


def freshness() -> ColumnDataSource:
    """The freshness badges' numbers, in a source the benchmark reads."""
    return source("freshness", "source", "newest_ms", "age_s", "messages")


def headline() -> ColumnDataSource:
    """The headline cards' numbers, in a source the browser test reads."""
    return source("headline", "metric", "value", "previous", "change")


def carrier(*sources: ColumnDataSource) -> Div:
    """A hidden Div whose tags take sources that nothing draws to the page (its text never
    changes: a Bokeh Div whose text changes lays out the whole page again)."""
    return Div(text="", name="carrier", visible=False, tags=list(sources))


POINT_HINT = "<i>Click a point on the piracy, cancellation or switching chart for its posts.</i>"


def point_posts_div() -> Div:
    return Div(text=POINT_HINT, name="point_posts", sizing_mode="stretch_width")


def on_point_click(fig: figure, show: Callable[[float, float], None]) -> None:
    """A tap on the chart calls `show(x in epoch ms, y)` on the server."""
    fig.on_event(Tap, lambda event: show(float(event.x), float(event.y)))


def _same(new: list, old: list) -> bool:
    if len(new) != len(old):
        return False
    if new and isinstance(new[0], np.ndarray):  # a multi_line column: one array per line
        return all(np.array_equal(a, b, equal_nan=True) for a, b in zip(new, old, strict=True))
    return bool(new == old)


def swap_data(src: ColumnDataSource, data: dict) -> bool:
    """Give the source new data only if it differs: an unchanged source is then neither
    serialised nor sent, nor redrawn by the page (Bokeh's own check cannot compare a
    column of arrays, so it would resend one at every refresh). Returns whether it did."""
    old = src.data
    if old.keys() == data.keys() and all(_same(data[k], list(old[k])) for k in data):
        return False
    src.data = data
    return True


def table_height(rows: int, row_px: int = 25, most: int = 8) -> int:
    """A table as tall as its rows (up to `most`): no empty block under two alerts."""
    return 30 + row_px * max(1, min(rows, most))
