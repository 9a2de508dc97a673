"""The page of one session: filters, headline, tabs of charts, exports, a link to the view.

Tabs are a list of (title, builder): another view is one more entry in `TABS`, a
function taking the `DashboardView` and returning a Panel object. The URL's
query string follows the filters (`?platforms=[...]&range_s=300`, or `range_s=0` with
`custom_start`/`custom_end` in UTC), so the address bar is a link that reopens this view.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import panel as pn

from streamapp.analytics.platforms import PLATFORMS
from streamapp.panel_dashboard import exports, page_png

if TYPE_CHECKING:
    from streamapp.panel_dashboard.view import DashboardView

COPY_LINK = """
window.__view_link = window.location.href;
if (navigator.clipboard) { navigator.clipboard.writeText(window.location.href).catch(() => {}); }
"""
SYNCED = ("platforms", "range_s", "custom_start", "custom_end")


def bokeh(model: Any) -> pn.pane.Bokeh:
    return pn.pane.Bokeh(model, sizing_mode="stretch_width")


def csv_button(view: DashboardView, src: Any, filename: str, label: str) -> pn.widgets.FileDownload:
    """A download of what the chart's source holds right now."""

    def make() -> Any:
        import io

        return io.StringIO(exports.csv_text(src.data))

    return pn.widgets.FileDownload(
        callback=make, filename=filename, label=label, color="light", embed=False, width=150,
    )  # fmt: skip


def filters(view: DashboardView) -> pn.Row:
    from streamapp.panel_dashboard.view import CUSTOM, RANGES

    platform_picker = pn.widgets.CheckButtonGroup.from_param(
        view.param.platforms,
        options={name: pid for pid, name in PLATFORMS.items()},
        color="primary",
        variant="outline",
        name="Platforms",
    )
    range_picker = pn.widgets.RadioButtonGroup.from_param(
        view.param.range_s, options=RANGES, color="primary", name="Time range"
    )
    start = pn.widgets.DatetimePicker.from_param(view.param.custom_start, name="From (UTC)")
    end = pn.widgets.DatetimePicker.from_param(view.param.custom_end, name="To (UTC)")
    custom = pn.Row(start, end, visible=pn.bind(lambda r: r == CUSTOM, view.param.range_s))
    return pn.Row(platform_picker, range_picker, custom, sizing_mode="stretch_width")


def live_tab(view: DashboardView) -> pn.Column:
    lines = view.lines
    return pn.Column(
        pn.Row(bokeh(lines["mentions"][0]), bokeh(lines["interest"][0])),
        pn.Row(bokeh(view.mention_share_fig), bokeh(view.interest_share_fig),
               bokeh(view.sentiment_fig)),
        view.ratio,
        pn.Row(*(bokeh(lines[i][0]) for i in ("piracy", "cancellation", "switching"))),
        bokeh(view.point_posts),
        pn.Row(
            pn.Column(pn.pane.Markdown("### Alerts (newest first; click one for its posts)"),
                      bokeh(view.alert_table), bokeh(view.alert_detail),
                      sizing_mode="stretch_width"),
            pn.Column(bokeh(view.switching_fig), sizing_mode="stretch_width", max_width=520),
        ),
        pn.pane.Markdown("### Newest closed window per platform (the worker's tables)"),
        bokeh(view.window_table),
        sizing_mode="stretch_width",
    )  # fmt: skip


def forecast_tab(view: DashboardView) -> pn.Column:
    picker = pn.widgets.RadioButtonGroup.from_param(
        view.param.forecast_metric, color="light", name="Forecast of"
    )
    return pn.Column(picker, view.forecast_pane, view.forecast_note, sizing_mode="stretch_width")


def csv_sources(view: DashboardView) -> dict[str, Any]:
    """Name -> source of every chart and table on the Live and Forecasts tabs (the share
    charts draw from one source; the interest dots are the interest lines' own values)."""
    return {
        **{metric: src for metric, (_, src) in view.lines.items()},
        "shares": view.share,
        "sentiment": view.sentiment,
        "switching_matrix": view.switching,
        "alerts": view.alerts,
        "windows": view.windows,
        "forecasts": view.forecasts,
        "headline": view.headline_numbers,
    }


def exports_row(view: DashboardView) -> pn.FlexBox:
    buttons = [csv_button(view, src, f"{name}.csv", f"{name} CSV")
               for name, src in csv_sources(view).items()]  # fmt: skip
    png = pn.widgets.Button(label="Page as PNG", color="light", width=150)
    png.js_on_click(code=page_png.PAGE_CAPTURE)
    return pn.FlexBox(*buttons, png, sizing_mode="stretch_width")  # wraps: a dozen buttons


VIEWERS_CLOSED = "The Viewers tab draws its charts while it is open."


def viewers_tab(view: DashboardView) -> pn.Column:
    """A holder that gets the tab's charts when the tab is opened and loses them when it
    is left (`page`): charts in a hidden tab still cost the browser at every redraw (the
    dashboard benchmark's lag grew several times with them in the page, unseen)."""
    return pn.Column(pn.pane.Markdown(VIEWERS_CLOSED), sizing_mode="stretch_width")


def viewers_content(view: DashboardView) -> pn.Column:
    """Per platform: the time charts stacked on one time axis (a title leaving a platform
    lines up with the content-gap posts and the viewers' moves), the share of plays from
    a recommendation and the newest window's trending titles."""
    panel = view.viewers
    charts = [bokeh(panel.lines[metric][0]) for metric in panel.lines]
    buttons = [
        csv_button(view, panel.top, "trending_top.csv", "top titles CSV"),
        csv_button(view, panel.rising, "trending_rising.csv", "rising titles CSV"),
        csv_button(view, panel.shares, "recommended_share.csv", "recommended share CSV"),
        *(csv_button(view, panel.lines[m][1], f"{m}.csv", f"{m.replace('_', ' ')} CSV")
          for m in ("plays", "accounts_at_risk", "accounts_active", "expected_cancellations")),
    ]  # fmt: skip
    return pn.Column(
        *charts,
        pn.Row(
            pn.Column(pn.pane.Markdown("### Most played (newest closed window per platform)"),
                      bokeh(panel.top_table), sizing_mode="stretch_width"),
            pn.Column(pn.pane.Markdown("### Rising fastest (against the window before)"),
                      bokeh(panel.rising_table), sizing_mode="stretch_width"),
        ),
        bokeh(panel.share_fig),
        pn.Row(*buttons, sizing_mode="stretch_width"),
        *panel.churn.parts(lambda src, file, label: csv_button(view, src, file, label)),
        sizing_mode="stretch_width",
    )  # fmt: skip


REGIONS_CLOSED = "The Regions tab draws its charts while it is open."


def regions_tab(view: DashboardView) -> pn.Column:
    """A holder, like the Viewers tab's: its charts are in the page only while it is open."""
    return pn.Column(pn.pane.Markdown(REGIONS_CLOSED), sizing_mode="stretch_width")


def regions_content(view: DashboardView) -> pn.Column:
    """Search interest by region (newest fetch per keyword): the platforms' and the
    alternative-viewing terms' rankings and the share per region (regions_view.py)."""
    parts = view.regions.parts(lambda src, file, label: csv_button(view, src, file, label))
    return pn.Column(*parts, sizing_mode="stretch_width")


TABS: list[tuple[str, Callable[[DashboardView], Any]]] = [
    ("Live", live_tab),
    ("Forecasts", forecast_tab),
    ("Viewers", viewers_tab),
    ("Regions", regions_tab),
]


def page(view: DashboardView) -> pn.Column:
    if pn.state.location is not None:  # served: the URL follows (and sets) the filters
        pn.state.location.sync(view, {name: name for name in SYNCED})
    # The address bar already holds the view; the button copies it for a colleague.
    link = pn.widgets.Button(label="Copy link to this view", color="light", width=180)
    link.js_on_click(code=COPY_LINK)
    tabs = pn.Tabs(*((title, build(view)) for title, build in TABS), dynamic=False,
                   sizing_mode="stretch_width")  # fmt: skip
    titles = [title for title, _ in TABS]
    viewers, regions = titles.index("Viewers"), titles.index("Regions")
    holder, regions_holder = tabs.objects[viewers], tabs.objects[regions]

    def toggle(event: Any) -> None:
        # The Regions charts change hourly, drawn or not: only the page's cost is saved.
        if (event.new == regions) != (event.old == regions):
            regions_holder.objects = [
                regions_content(view) if event.new == regions else pn.pane.Markdown(REGIONS_CLOSED)
            ]
        shown = event.new == viewers
        if shown == view.viewers.shown:
            return
        view.show_viewers(shown)
        holder.objects = [viewers_content(view) if shown else pn.pane.Markdown(VIEWERS_CLOSED)]

    tabs.param.watch(toggle, "active")
    return pn.Column(
        pn.Row(pn.pane.Markdown("# Streaming platforms, live"), link),
        view.badges,
        filters(view),
        view.headline,
        bokeh(view.carrier),
        tabs,
        pn.pane.Markdown("#### Take away"),
        exports_row(view),
        sizing_mode="stretch_width",
    )
