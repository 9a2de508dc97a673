"""An alert's explanation (its optional `top_terms`, `examples`, `switch_flow` fields,
streamapp/analytics/explain.py, and a `forecast_breach`'s `drivers`) as text for people: one line per part, for Alertmanager
annotations, the Slack message and the e-mail. An alert without them (an older worker)
gives no lines, and the messages look as before."""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

Alert = Mapping[str, Any]


def _num(value: Any) -> str:
    return f"{value:g}" if isinstance(value, int | float) else str(value)


def terms_line(alert: Alert) -> str:
    """`crackdown 12 (baseline 1), price 9 (baseline 0)`, or empty."""
    terms = [t for t in alert.get("top_terms") or [] if isinstance(t, Mapping)]
    return ", ".join(
        f"{t.get('term')} {_num(t.get('count'))} (baseline {_num(t.get('baseline'))})"
        for t in terms
    )


def flow_line(alert: Alert) -> str:
    """`netflix -> max (7 posts)`, or empty."""
    flow = alert.get("switch_flow")
    if not isinstance(flow, Mapping):
        return ""
    return f"{flow.get('from')} -> {flow.get('to')} ({_num(flow.get('count'))} posts)"


def drivers_line(alert: Alert) -> str:
    """`netflix price_change (2026-12-01..2026-12-07)`: known events active in the
    window (forecast_breach), or empty."""
    found = [d for d in alert.get("drivers") or [] if isinstance(d, Mapping)]
    return ", ".join(
        f"{d.get('platform') or 'all platforms'} {d.get('name')} "
        f"({d.get('date')}..{d.get('end_date')})"
        for d in found
    )


def facts(alert: Alert) -> list[tuple[str, str]]:
    """(label, text) of the one-line parts the alert has: what rose, the leading flow,
    the known drivers."""
    found = [
        ("Rising terms", terms_line(alert)),
        ("Leading flow", flow_line(alert)),
        ("Known drivers", drivers_line(alert)),
    ]
    return [(label, text) for label, text in found if text]


def examples(alert: Alert) -> list[Mapping[str, Any]]:
    return [e for e in alert.get("examples") or [] if isinstance(e, Mapping)][:3]


def example_line(post: Mapping[str, Any]) -> str:
    """`r/cordcutters t3_abc: "the text" https://www.reddit.com/...` (link when known)."""
    link = f" {post['permalink']}" if post.get("permalink") else ""
    return f'r/{post.get("subreddit")} {post.get("id")}: "{post.get("text")}"{link}'


def lines(alert: Alert) -> list[tuple[str, str]]:
    """(label, text) for each part the alert has."""
    return facts(alert) + [("Example", example_line(post)) for post in examples(alert)]


def annotations(alert: Alert) -> dict[str, str]:
    """Extra Alertmanager annotations (strings only), for the parts the alert has."""
    found = {
        "top_terms": terms_line(alert),
        "switch_flow": flow_line(alert),
        "drivers": drivers_line(alert),
        "examples": "\n".join(example_line(p) for p in examples(alert)),
    }
    return {name: text for name, text in found.items() if text}


def _slack_escape(text: str) -> str:
    # Slack's mrkdwn: only these three are special, and links are <url|label>.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_blocks(alert: Alert) -> list[dict[str, Any]]:
    """Block Kit sections: what rose, the leading flow and known drivers, then the
    example posts."""
    shown = [f"*{label}*: {_slack_escape(text)}" for label, text in facts(alert)]
    posts = []
    for post in examples(alert):
        where = _slack_escape(f"r/{post.get('subreddit')}")
        link = str(post.get("permalink") or "")
        source = f"<{link}|{where}>" if link else where
        posts.append(f"• {source}: {_slack_escape(str(post.get('text')))}")
    blocks = []
    if shown:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(shown)}})
    if posts:
        text = "*Example posts*\n" + "\n".join(posts)
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text[:2900]}})
    return blocks


def html_rows(alert: Alert) -> str:
    """Table rows for the e-mail's HTML part, with the posts' links."""
    rows = []
    for label, text in facts(alert):
        rows.append(f"<tr><th align='left'>{label}</th><td>{html.escape(text)}</td></tr>")
    for post in examples(alert):
        where = html.escape(f"r/{post.get('subreddit')} {post.get('id')}")
        link = str(post.get("permalink") or "")
        if link:
            where = f"<a href='{html.escape(link, quote=True)}'>{where}</a>"
        text = html.escape(str(post.get("text")))
        rows.append(f"<tr><th align='left'>Example</th><td>{where}: {text}</td></tr>")
    return "".join(rows)
