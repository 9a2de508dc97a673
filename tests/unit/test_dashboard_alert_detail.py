"""The dashboard's alert detail: what explains the clicked alert, escaped, with links to
Reddit only; and the table carries it for every row (panel_dashboard/listings.py)."""

from __future__ import annotations

from streamapp.panel_dashboard.figures import alert_detail, alert_table
from streamapp.panel_dashboard.listings import alert_rows, explanation_html
from streamapp.panel_dashboard.records import parse_alert
from streamapp.panel_dashboard.state import DashboardState

EXPLAINED = {
    "alert_id": "a1", "rule": "switching_surge", "platform": "netflix", "status": "firing",
    "severity": "critical", "message": "Netflix: posts about switching away at 30",
    "fired_at": "2026-12-06T00:00:00Z", "evidence": ["t3_a"],
    "top_terms": [{"term": "<b>crackdown</b>", "count": 12, "baseline": 1.0}],
    "switch_flow": {"from": "netflix", "to": "max", "count": 7},
    "examples": [
        {"id": "t3_a", "subreddit": "cordcutters", "text": "bye <script>x</script>",
         "permalink": "https://www.reddit.com/r/cordcutters/comments/a/"},
        {"id": "t3_b", "subreddit": "x", "text": "elsewhere",
         "permalink": "javascript:alert(1)"},
    ],
}  # fmt: skip


def test_the_detail_shows_terms_flow_and_examples_escaped():
    shown = explanation_html(EXPLAINED)
    assert "Rising terms: &lt;b&gt;crackdown&lt;/b&gt; 12 (baseline 1.0)" in shown
    assert "Leading flow: Netflix &rarr; Max (7 posts)" in shown
    assert (
        "<a href='https://www.reddit.com/r/cordcutters/comments/a/' target='_blank' "
        "rel='noopener'>r/cordcutters t3_a</a>: bye &lt;script&gt;" in shown
    )
    assert "javascript" not in shown and "Example: r/x t3_b: elsewhere" in shown
    assert "<script>" not in shown


def test_an_alert_without_an_explanation_says_so_with_its_evidence():
    plain = {
        k: v for k, v in EXPLAINED.items() if k not in ("top_terms", "switch_flow", "examples")
    }
    assert "No explanation with this alert (evidence ids: t3_a)" in explanation_html(plain)


def test_every_row_carries_its_explanation_and_the_detail_follows_clicks():
    import json

    state = DashboardState()
    state.apply_alert(parse_alert(json.dumps(EXPLAINED)))
    rows = alert_rows(state, ["netflix"])
    [shown] = rows["explanation"]
    assert shown.startswith(explanation_html(parse_alert(json.dumps(EXPLAINED))))
    # the evidence id resolved to what the post said (it is in the recent posts)
    assert "Evidence posts (1):" in shown and "no longer in the dashboard" in shown
    _, src = alert_table()
    div = alert_detail(src)
    assert div.name == "alert_detail" and "Click an alert" in div.text
    assert src.selected.js_property_callbacks["change:indices"]
    assert src.js_property_callbacks["change:data"]


def test_a_forecast_breach_detail_names_its_known_drivers_escaped():
    breach = {
        **EXPLAINED,
        "rule": "forecast_breach",
        "switch_flow": None,
        "drivers": [{"name": "<i>promo</i>", "platform": "netflix", "date": "2026-12-01",
                     "end_date": "2026-12-07"}],
    }  # fmt: skip
    shown = explanation_html(breach)
    assert "Known drivers: netflix &lt;i&gt;promo&lt;/i&gt; (2026-12-01..2026-12-07)" in shown
    assert "Leading flow" not in shown and "Rising terms" in shown
