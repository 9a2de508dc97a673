"""Slack through its Web API with a bot token (`STREAMAPP_NOTIFY_SLACK_BOT_TOKEN`), which,
unlike an incoming webhook, can thread and edit: a firing is posted with
`chat.postMessage` and its `channel` and `ts` are kept in the delivery ledger (the
`Outcome.receipt`), so that its resolution, even after a restart, edits the original with
`chat.update` (shown resolved) and replies in its thread (`thread_ts`).

Slack answers most failures with HTTP 200 and `{"ok": false, "error": "<code>"}`, rate
limits with 429 and `Retry-After`. Both map onto the other destinations' classification:
a 429, a 5xx and the transient codes below are retried; any other code (`invalid_auth`,
`channel_not_found`, `not_in_channel`, `is_archived`, `missing_scope`, ...) is a
permanent refusal. The token travels in the `Authorization` header only and is a secret
of the redactor: it never reaches a log, an error or a dead letter.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from streamapp.notify import payloads
from streamapp.notify.senders import Alert, HttpDestination, Outcome

DEFAULT_API_URL = "https://slack.com/api"
# Slack's own words for "try again": rate limits, and errors on its side.
TRANSIENT_ERRORS = frozenset(
    {
        "ratelimited",
        "rate_limited",
        "internal_error",
        "fatal_error",
        "service_unavailable",
        "request_timeout",
    }
)
# An original that cannot be edited (deleted, too old for the workspace's edit window)
# does not stop the threaded reply: the reply is what tells people it resolved (and
# without a thread to join, `thread_not_found`, it is posted on its own).
UNEDITABLE = frozenset({"message_not_found", "cant_update_message", "edit_window_closed"})
_CODE = re.compile(r"[^a-z0-9_.]")


class SlackApiDestination(HttpDestination):
    def __init__(self, *, token: str, channel: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._token = token
        self.channel = channel

    async def call(self, method: str, payload: Mapping[str, Any]) -> tuple[Outcome, dict[str, Any]]:
        """One Web API call: its outcome (`ok: false` is a failure), and Slack's answer."""
        headers = {
            "Authorization": f"Bearer {self._token}",
            "Content-Type": "application/json; charset=utf-8",
        }
        outcome, body = await self.exchange(f"/{method}", json.dumps(payload).encode(), headers)
        if not outcome.accepted:
            return replace(outcome, detail=f"Slack {method}: {outcome.detail}"), {}
        try:
            answer = json.loads(body)
        except ValueError:
            answer = None
        if not isinstance(answer, dict):  # a proxy's page, say: Slack did not answer this
            return Outcome(False, retryable=True, detail=f"Slack {method}: not a Slack answer"), {}
        if answer.get("ok") is True:
            return replace(outcome, detail=f"Slack {method} ok"), answer
        error = _CODE.sub("", str(answer.get("error") or "unknown").lower())[:60] or "unknown"
        failed = Outcome(
            False,
            retryable=error in TRANSIENT_ERRORS,
            detail=f"Slack {method}: {error}",
            retry_after_s=outcome.retry_after_s,
        )
        return failed, answer

    async def attempt(self, alert: Alert, firing: Alert) -> Outcome:
        return await self.deliver(alert, firing, None)

    async def deliver(
        self, alert: Alert, firing: Alert, receipt: Mapping[str, Any] | None
    ) -> Outcome:
        message = payloads.slack_message(alert, firing)
        original = _original(receipt) if alert.get("status") == "resolved" else None
        if original is None:  # a firing, or a resolution whose firing has no receipt
            posted, answer = await self.call(
                "chat.postMessage", {"channel": self.channel, **message}
            )
            if not posted.accepted:
                return posted
            return replace(posted, receipt=_receipt(answer, self.channel))
        channel, ts = original
        # The edit first: repeating it (a retry after the reply failed) is harmless; the
        # reply is the one step that must not repeat, so it comes last.
        edit = payloads.slack_resolved_original(firing, alert)
        edited, _ = await self.call("chat.update", {"channel": channel, "ts": ts, **edit})
        if not edited.accepted and _code(edited) not in UNEDITABLE:
            return edited
        replied, answer = await self.call(
            "chat.postMessage", {"channel": channel, "thread_ts": ts, **message}
        )
        if _code(replied) == "thread_not_found":  # the original is gone: post on its own
            replied, answer = await self.call("chat.postMessage", {"channel": channel, **message})
        if not replied.accepted:
            return replied
        return replace(replied, receipt=_receipt(answer, channel))


def _code(outcome: Outcome) -> str:
    """Slack's error code of a refused call (`Slack chat.update: message_not_found`)."""
    return "" if outcome.accepted else outcome.detail.rsplit(": ", 1)[-1]


def _original(receipt: Mapping[str, Any] | None) -> tuple[str, str] | None:
    if not receipt or not receipt.get("channel") or not receipt.get("ts"):
        return None
    return str(receipt["channel"]), str(receipt["ts"])


def _receipt(answer: Mapping[str, Any], channel: str) -> dict[str, str]:
    # `channel` in the answer is the channel's id, which chat.update needs (a name works
    # for chat.postMessage only).
    return {"channel": str(answer.get("channel") or channel), "ts": str(answer.get("ts") or "")}
