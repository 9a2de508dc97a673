"""The posts behind an alert or a chart point, from the state's bounded map of recent posts.

An alert's `evidence` ids are resolved to what the posts said (text, intents, sentiment,
a Reddit link when the post came from there); a point on an intent chart (platform, step)
lists that step's posts of that intent. Every value is escaped; links only to reddit.com.
"""

from __future__ import annotations

import html
from typing import Any

from streamapp.panel_dashboard.queries import name
from streamapp.panel_dashboard.records import Signal
from streamapp.panel_dashboard.state import DashboardState

REDDIT = "https://www.reddit.com/"
MAX_SHOWN = 20


def _link(post_id: str, post: Signal | None, examples: dict[str, str]) -> str:
    link = (post.permalink if post else None) or examples.get(post_id) or ""
    label = html.escape(f"r/{post.subreddit} {post_id}" if post and post.subreddit else post_id)
    if link.startswith(REDDIT):
        return f"<a href='{html.escape(link)}' target='_blank' rel='noopener'>{label}</a>"
    return label


def post_html(post_id: str, post: Signal | None, examples: dict[str, str] | None = None) -> str:
    where = _link(post_id, post, examples or {})
    if post is None:
        return f"{where}: <i>no longer in the dashboard's memory of recent posts</i>"
    intents = ", ".join(sorted(post.intents)) or "no intent"
    return (
        f"{where} [{html.escape(intents)}; sentiment {post.sentiment:+.2f}]: "
        f"{html.escape(post.text)}"
    )


def evidence_ids(alert: dict[str, Any]) -> list[str]:
    """The alert's evidence ids (a topic may hold anything: a non-list is none)."""
    found = alert.get("evidence")
    return [str(e) for e in found] if isinstance(found, list) else []


def evidence_html(state: DashboardState, alert: dict[str, Any]) -> str:
    """The alert's evidence posts, resolved by id (the worker cites up to a few)."""
    ids = evidence_ids(alert)
    if not ids:
        return "<b>Evidence posts:</b> none cited."
    examples = {
        str(p.get("id")): str(p.get("permalink") or "")
        for p in alert.get("examples") or []
        if isinstance(p, dict)
    }
    shown = "".join(
        f"<li>{post_html(i, state.recent_posts.get(i), examples)}</li>" for i in ids[:MAX_SHOWN]
    )
    return f"<b>Evidence posts ({len(ids)}):</b><ul>{shown}</ul>"


def point_posts(
    state: DashboardState, platform: str, intent: str | None, start: float, end: float
) -> list[tuple[str, Signal]]:
    """Posts of `platform` (with `intent`, if given) dated in [start, end), newest first."""
    found = [
        (pid, post)
        for pid, post in state.recent_posts.items()
        if start <= post.event_time < end
        and platform in post.platforms
        and (intent is None or intent in post.intents)
    ]
    return sorted(found, key=lambda item: item[1].event_time, reverse=True)


def point_html(
    state: DashboardState, platform: str, intent: str | None, start: float, end: float
) -> str:
    posts = point_posts(state, platform, intent, start, end)
    what = f"{intent} posts" if intent else "posts"
    head = f"<b>{html.escape(name(platform))}: {len(posts)} {html.escape(what)} in this step</b>"
    items = "".join(f"<li>{post_html(pid, post)}</li>" for pid, post in posts[:MAX_SHOWN])
    more = f"<i>and {len(posts) - MAX_SHOWN} more</i>" if len(posts) > MAX_SHOWN else ""
    return f"{head}<ul>{items}</ul>{more}"
