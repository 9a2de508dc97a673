"""The destinations: one delivery attempt each, and what its outcome calls for.

- 2xx (or an SMTP server that took the message): accepted.
- 429, 5xx, 408, a timeout, a refused or dropped connection, an SMTP 4xx: try again
  later (`retry_after` from the answer's `Retry-After`, when given).
- Any other answer (400, 401, 403, 404, 410; an SMTP 5xx, a refused login, a server
  certificate that does not verify, no STARTTLS): permanent;
  retrying cannot help, so the alert goes to dead-letters at once.

`detail` describes the outcome without a secret: a status code, an exception's type and
a scrubbed message, never the URL.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import smtplib
import ssl
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

import aiohttp

from streamapp.notify import payloads
from streamapp.notify.redact import Redactor
from streamapp.notify.retry import parse_retry_after
from streamapp.notify.routing import Route
from streamapp.notify.signature import HEADER, sign

Alert = Mapping[str, Any]
RETRYABLE_STATUS = frozenset({408, 425, 429})
DELIVERY_HEADER = "X-Streamapp-Delivery"  # `<alert_id>|<status>`: a receiver's dedup key
# A certificate that does not verify will not verify on the next attempt either.
UNTRUSTED = "TLS certificate not trusted"


@dataclass(frozen=True)
class Outcome:
    accepted: bool
    retryable: bool = False
    detail: str = "accepted"
    retry_after_s: float | None = None
    # What the destination answered that a later message needs (Slack's Web API: the
    # firing message's channel and ts, to thread and edit its resolution); kept in the
    # delivery ledger with the entry.
    receipt: Mapping[str, str] | None = None


def url_id(kind: str, url: str) -> str:
    """A stable name for a destination that never shows its URL: the kind and 8 hex of
    the URL's SHA-256 (reordering a list of URLs keeps each one's delivery state)."""
    return f"{kind}-{hashlib.sha256(url.strip().encode()).hexdigest()[:8]}"


@dataclass
class Destination:
    id: str
    kind: str
    host: str
    route: Route
    timeout_s: float
    redactor: Redactor = field(default_factory=Redactor)

    def label(self) -> str:
        return f"{self.id} ({self.kind} {self.host})"

    async def attempt(self, alert: Alert, firing: Alert) -> Outcome:
        raise NotImplementedError

    async def deliver(
        self, alert: Alert, firing: Alert, receipt: Mapping[str, Any] | None
    ) -> Outcome:
        """One attempt; `receipt`: what the firing's delivery answered (see `Outcome`),
        for a resolution. Only a destination that answers receipts needs it."""
        return await self.attempt(alert, firing)

    async def close(self) -> None:
        return None

    def failure(self, exc: BaseException) -> Outcome:
        """An attempt that raised: transient unless it is a programming error."""
        text = self.redactor.scrub(str(exc))
        detail = f"{type(exc).__name__}" + (f": {text[:200]}" if text else "")
        return Outcome(False, retryable=True, detail=detail)


class HttpDestination(Destination):
    def __init__(self, *, url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._url = url.strip()
        self._session: aiohttp.ClientSession | None = None

    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            timeout = aiohttp.ClientTimeout(total=self.timeout_s)
            self._session = aiohttp.ClientSession(timeout=timeout, raise_for_status=False)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def post(self, path: str, body: bytes, headers: dict[str, str] | None = None) -> Outcome:
        return (await self.exchange(path, body, headers))[0]

    async def exchange(
        self, path: str, body: bytes, headers: dict[str, str] | None = None
    ) -> tuple[Outcome, bytes]:
        """One POST: its outcome by the HTTP status, and the answer's body (empty when
        there was none)."""
        headers = {"Content-Type": "application/json", **(headers or {})}
        try:
            async with self.session().post(
                self._url.rstrip("/") + path if path else self._url,
                data=body,
                headers=headers,
                allow_redirects=False,
            ) as response:
                status = response.status
                retry_after = parse_retry_after(response.headers.get("Retry-After"), time.time())
                answer = await response.read()
        except aiohttp.ClientConnectorCertificateError:
            return Outcome(False, retryable=False, detail=UNTRUSTED), b""
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            return self.failure(exc), b""
        if 200 <= status < 300:
            return Outcome(True, detail=f"HTTP {status}", retry_after_s=retry_after), answer
        retryable = status in RETRYABLE_STATUS or status >= 500
        outcome = Outcome(
            False, retryable=retryable, detail=f"HTTP {status}", retry_after_s=retry_after
        )
        return outcome, answer


class AlertmanagerDestination(HttpDestination):
    """`POST /api/v2/alerts`. Alertmanager keys an alert by its label set, so posting the
    same firing alert again updates it; `repost` keeps firing alerts alive (a posted
    alert ends at its `endsAt` unless posted again, as Prometheus does)."""

    def __init__(self, *, resend_s: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.resend_s = resend_s

    @property
    def ttl_s(self) -> float:
        return 4 * self.resend_s  # Prometheus: 4 x its resend interval

    def body(self, pairs: list[tuple[Alert, Alert]]) -> bytes:
        now = datetime.now(UTC)
        return json.dumps(
            [payloads.alertmanager_alert(a, f, now, self.ttl_s) for a, f in pairs]
        ).encode()

    async def attempt(self, alert: Alert, firing: Alert) -> Outcome:
        return await self.post("/api/v2/alerts", self.body([(alert, firing)]))

    async def repost(self, firings: Sequence[Alert]) -> Outcome:
        return await self.post("/api/v2/alerts", self.body([(f, f) for f in firings]))


class WebhookDestination(HttpDestination):
    def __init__(self, *, secret: bytes, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._secret = secret

    async def attempt(self, alert: Alert, firing: Alert) -> Outcome:
        body = payloads.webhook_body(alert)
        headers = {
            HEADER: sign(self._secret, int(time.time()), body),
            DELIVERY_HEADER: f"{alert.get('alert_id')}|{alert.get('status')}",
        }
        return await self.post("", body, headers)


class SlackDestination(HttpDestination):
    async def attempt(self, alert: Alert, firing: Alert) -> Outcome:
        return await self.post("", json.dumps(payloads.slack_message(alert, firing)).encode())


class EmailDestination(Destination):
    """SMTP with STARTTLS (unless turned off) and a login when a user is set; smtplib in
    a thread, the whole session bounded by the timeout."""

    def __init__(
        self,
        *,
        smtp_host: str,
        port: int,
        user: str,
        password: str,
        sender: str,
        recipients: list[str],
        starttls: bool,
        cafile: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._host, self._port, self._user, self._password = smtp_host, port, user, password
        self.sender, self.recipients, self.starttls = sender, recipients, starttls
        self.cafile = cafile

    def message_id(self, alert: Alert) -> str:
        return f"<{alert.get('alert_id')}.{alert.get('status')}.{self.id}@streamapp>"

    def _send(self, message: EmailMessage) -> None:
        with smtplib.SMTP(self._host, self._port, timeout=self.timeout_s) as smtp:
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context(cafile=self.cafile))
            if self._user:
                smtp.login(self._user, self._password)
            smtp.send_message(message)

    async def attempt(self, alert: Alert, firing: Alert) -> Outcome:
        return await self.send(
            payloads.email_message(
                alert, firing, self.sender, self.recipients, self.message_id(alert)
            )
        )

    async def send(self, message: EmailMessage) -> Outcome:
        """One SMTP session for `message` (an alert's, or the daily brief)."""
        try:
            await asyncio.wait_for(asyncio.to_thread(self._send, message), self.timeout_s * 3)
        except smtplib.SMTPResponseException as exc:
            code = exc.smtp_code
            return Outcome(False, retryable=400 <= code < 500, detail=f"SMTP {code}")
        except smtplib.SMTPRecipientsRefused:
            return Outcome(False, retryable=False, detail="SMTP recipients refused")
        except smtplib.SMTPNotSupportedError:
            return Outcome(False, retryable=False, detail="SMTP server lacks STARTTLS or AUTH")
        except ssl.SSLCertVerificationError:
            return Outcome(False, retryable=False, detail=UNTRUSTED)
        except (smtplib.SMTPException, TimeoutError, OSError) as exc:
            return self.failure(exc)
        return Outcome(True, detail="SMTP accepted")
