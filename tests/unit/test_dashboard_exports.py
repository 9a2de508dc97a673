"""Every chart and table of the Live and Forecasts tabs has a CSV button, and what the
forecast CSV holds (no server, no Kafka)."""

from __future__ import annotations

import csv
import io

import panel as pn
from bokeh.models import ColumnDataSource, DataTable, GlyphRenderer

from streamapp.panel_dashboard import exports, layout
from streamapp.panel_dashboard.state import DashboardState
from streamapp.panel_dashboard.view import DashboardView

NOW = 1_800_000_000.0


class FakeFeed:
    def __init__(self) -> None:
        self.state = DashboardState(bucket_s=5, clock=lambda: NOW)


def drawn_sources(tab: pn.viewable.Viewable) -> set[str]:
    """The names of the sources the tab's figures and tables draw from."""
    names = set()
    for pane in tab.select(pn.pane.Bokeh):
        for model in pane.object.select({"type": GlyphRenderer}):
            names.add(model.data_source.name)
        for table in pane.object.select({"type": DataTable}):
            names.add(table.source.name)
    return names


def test_every_chart_and_table_has_a_csv():
    view = DashboardView(FakeFeed(), clock=lambda: NOW)
    drawn = drawn_sources(layout.live_tab(view)) | drawn_sources(layout.forecast_tab(view))
    assert {"sentiment", "mention_lines", "forecasts", "windows"} <= drawn  # the walk works
    exported = {src.name for src in layout.csv_sources(view).values()}
    assert drawn - exported == {"interest_points"}  # the interest lines' own values, as dots
    buttons = [b for b in layout.exports_row(view) if isinstance(b, pn.widgets.FileDownload)]
    assert {b.filename for b in buttons} == {f"{n}.csv" for n in layout.csv_sources(view)}


def test_the_sentiment_and_forecast_csvs_hold_what_is_drawn():
    bars = ColumnDataSource(
        {"label": ["Netflix"], "sentiment": [0.25], "posts": [4], "colour": ["#D55E00"]}
    )
    assert exports.csv_text(bars.data) == "label,sentiment,posts\nNetflix,0.25,4\n"
    times = [NOW * 1000, (NOW + 60) * 1000]
    band = {"band_xs": [times + times[::-1]], "band_ys": [[1.0, 2.0, 6.0, 5.0]],
            "xs": [times], "ys": [[3.0, 4.0]], "label": ["Netflix mentions (drift)"],
            "colour": ["#D55E00"]}  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(exports.csv_text(band))))
    assert [(r["yhat_lower"], r["yhat"], r["yhat_upper"]) for r in rows] == [
        ("1.0", "3.0", "5.0"),
        ("2.0", "4.0", "6.0"),
    ]
    assert rows[0]["time_utc"] == "2027-01-15T08:00:00Z"
    assert rows[0]["forecast"] == "Netflix mentions (drift)"
