"""Google Trends collector: interest over time for the platforms and alternative-viewing terms.

pytrends is blocking (requests), so each request group runs in `asyncio.to_thread`. Terms
are fetched in groups of at most 5 that share an anchor term and are put onto one scale
by `streamapp.analytics.trends_scale` (method documented there). Points Google marks
`isPartial` (the current, still-filling hour) are never sent: their value changes. The
cursor keeps, per keyword, the newest timestamp sent, so a point goes out once; the first
round sends only the newest complete point of each keyword (older points would reach the
windows as late events).

pytrends' own retries crash with urllib3 2.x, so it runs with none and every failure
becomes a `SourceError` for the runner's backoff (429 -> rate limited, with Retry-After).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

from streamapp.analytics.platforms import find_platforms
from streamapp.analytics.trends_scale import plan_groups, rescale
from streamapp.config import TrendsSettings
from streamapp.records.raw import RAW_SCHEMA_VERSION, iso_utc, parse_iso_utc
from streamapp.sources.backoff import parse_retry_after
from streamapp.sources.collector_runner import OutRecord, Round, SourceError, absorb_seen
from streamapp.sources.trend_model import BRAND_KEYWORDS
from streamapp.sources.trends_regions import fetch_regions, region_identity, region_scope

# Words that make a term about leaving or getting around a platform, not the platform.
CHURN_WORDS = ("cancel", "free", "watch", "vs", "alternative", "pirate", "piracy", "torrent")
_BRANDS = {kw.keyword: platform for platform, kw in BRAND_KEYWORDS.items()}

GroupResult = tuple[dict[str, dict[float, float]], set[float]]


def platform_for_keyword(keyword: str) -> str | None:
    """The canonical platform a search term measures, or None for churn/alternative terms."""
    low = keyword.lower().strip()
    if low in _BRANDS:
        return _BRANDS[low]
    if any(word in low.split() for word in CHURN_WORDS):
        return None
    found = find_platforms(low)
    return found[0] if len(found) == 1 else None


def make_client(settings: TrendsSettings) -> Any:
    """A pytrends `TrendReq` that talks to `settings.base_url` (blocking: call in a thread)."""
    import requests
    from pytrends.request import BASE_TRENDS_URL, TrendReq

    base = settings.base_url.rstrip("/")
    timeout = (min(5.0, settings.timeout_seconds), settings.timeout_seconds)

    class _TrendReq(TrendReq):  # type: ignore[misc]
        # TrendReq names its URLs as `TrendReq.X` and builds the cookie URL from a module
        # constant, so a subclass attribute would not do: the base is swapped per request.
        def GetGoogleCookie(self) -> dict[str, str | None]:  # noqa: N802 (pytrends' name)
            response = requests.get(f"{base}/explore/?geo={self.hl[-2:]}", timeout=timeout)
            return {k: v for k, v in response.cookies.items() if k == "NID"}

        def _get_data(self, url: str, *args: Any, **kwargs: Any) -> Any:
            return super()._get_data(url.replace(BASE_TRENDS_URL, base, 1), *args, **kwargs)

    return _TrendReq(hl="en-US", tz=0, timeout=timeout, retries=0, backoff_factor=0)


class TrendsSource:
    name = "trends"

    def __init__(
        self,
        settings: TrendsSettings,
        topic: str,
        *,
        client_factory: Callable[[TrendsSettings], Any] = make_client,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.topic = topic
        self.client_factory = client_factory
        self.sleep = sleep
        self.clock = clock
        self.regions = region_scope(settings.region_codes)
        self.keywords = settings.keyword_list
        self.anchor = settings.anchor.strip() or (self.keywords[0] if self.keywords else "")
        self._client: Any = None

    async def close(self) -> None:
        self._client = None

    async def fetch(self, cursor: dict[str, Any]) -> Round:
        groups = plan_groups(self.keywords, self.anchor)
        results: list[dict[str, dict[float, float]]] = []
        partial: set[float] = set()
        for index, group in enumerate(groups):
            if index:
                await self.sleep(self.settings.request_pause_seconds)
            series, partial_times = await self._in_thread(self._fetch_group, group)
            results.append(series)
            partial |= partial_times
        complete = [
            {kw: {t: v for t, v in pts.items() if t not in partial} for kw, pts in group.items()}
            for group in results
        ]
        scaled = rescale(complete, self.anchor)
        notes = []
        if scaled.unscaled:
            notes.append(
                f"anchor {self.anchor!r} is zero throughout in a group; not sent this round: "
                + ", ".join(scaled.unscaled)
            )
        round_ = self._round(scaled.series, cursor, notes)
        if self.regions is not None:
            await self._add_regions(round_, cursor, pause=bool(groups))
        return round_

    async def _in_thread(self, fetch: Callable[..., Any], *args: Any) -> Any:
        try:
            return await asyncio.to_thread(fetch, *args)
        except Exception as exc:
            self._client = None  # a fresh client (and cookie) next round
            raise _as_source_error(exc) from None

    async def _add_regions(self, round_: Round, cursor: dict[str, Any], pause: bool) -> None:
        """Each keyword's regions, once per hour (the hour of the fetch stamps them)."""
        scope = self.regions
        assert scope is not None
        hour = self.clock() // 3600 * 3600
        stamp = iso_utc(hour)
        done: dict[str, float] = dict(cursor.get("regions") or {})
        seen = cursor.get("seen") or {}
        for kw in self.keywords:
            if done.get(kw, float("-inf")) >= hour:
                continue
            if pause:
                await self.sleep(self.settings.request_pause_seconds)
            pause = True
            found = await self._in_thread(self._fetch_regions, kw)
            for geo, interest in sorted(found.items()):
                identity = region_identity(kw, geo, stamp)
                if identity in seen:  # delivered before a crash (see the runner)
                    continue
                value = self._point(kw, geo, stamp, interest) | {"region_of": scope.region_of}
                round_.records.append(OutRecord(self.topic, kw, value, identity))
            done[kw] = hour
        round_.cursor["regions"] = done

    def _fetch_regions(self, keyword: str) -> dict[str, float]:
        if self._client is None:
            self._client = self.client_factory(self.settings)
        assert self.regions is not None
        return fetch_regions(self._client, keyword, self.regions, self.settings.timeframe)

    def _point(self, kw: str, geo: str, stamp: str, interest: float) -> dict[str, Any]:
        return {
            "keyword": kw,
            "platform": platform_for_keyword(kw),
            "geo": geo,
            "timestamp": stamp,
            "interest": interest,
            "schema_version": RAW_SCHEMA_VERSION,
        }

    def _fetch_group(self, group: list[str]) -> GroupResult:
        if self._client is None:
            self._client = self.client_factory(self.settings)
        client = self._client
        # pytrends keeps its previous geo when given "" (worldwide), e.g. after a region fetch
        client.geo = self.settings.geo
        client.build_payload(group, timeframe=self.settings.timeframe, geo=self.settings.geo)
        frame = client.interest_over_time()
        series: dict[str, dict[float, float]] = {kw: {} for kw in group}
        partial: set[float] = set()
        if frame.empty:
            return series, partial
        for stamp, row in frame.iterrows():
            epoch = float(stamp.timestamp())  # pandas reads a naive Timestamp as UTC
            if "isPartial" in row and bool(row["isPartial"]):
                partial.add(epoch)
            for kw in group:
                series[kw][epoch] = float(row[kw])
        return series, partial

    def _round(
        self, series: dict[str, dict[float, float]], cursor: dict[str, Any], notes: list[str]
    ) -> Round:
        last: dict[str, float] = dict(cursor.get("last") or {})
        seen: dict[str, float] = dict(cursor.get("seen") or {})
        records = []
        for kw in self.keywords:
            points = sorted(series.get(kw, {}).items())
            if kw not in last:
                points = points[-1:]  # first round: the newest complete point only
            for t, interest in points:
                stamp = iso_utc(t)
                identity = f"{kw}|{stamp}"
                if t <= last.get(kw, float("-inf")) or identity in seen:
                    continue
                value = self._point(kw, self.settings.geo, stamp, interest)
                records.append(OutRecord(self.topic, kw, value, identity))
            if points:
                last[kw] = max(points[-1][0], last.get(kw, float("-inf")))
        seen = {i: t for i, t in seen.items() if t > last.get(i.split("|", 1)[0], float("-inf"))}
        cursor_out = {"last": last, "seen": seen}
        if "regions" in cursor:
            cursor_out["regions"] = cursor["regions"]
        return Round(records, cursor_out, notes)

    absorb = staticmethod(absorb_seen)  # the cursor's `seen` holds what was sent

    def identity(self, key: bytes | None, value: bytes | None) -> tuple[str, float] | None:
        try:
            data = json.loads(value or b"")
            stamp = data["timestamp"]
            if data.get("region_of"):
                return region_identity(data["keyword"], data["geo"], stamp), parse_iso_utc(stamp)
            return f"{data['keyword']}|{stamp}", parse_iso_utc(stamp)
        except (ValueError, KeyError, TypeError):
            return None


def _as_source_error(exc: Exception) -> SourceError:
    import requests
    from pytrends import exceptions as pytrends_errors

    if isinstance(exc, pytrends_errors.TooManyRequestsError):
        retry_after = parse_retry_after(exc.response.headers.get("Retry-After"))
        return SourceError(
            "Google Trends answered 429 Too Many Requests",
            rate_limited=True,
            retry_after=retry_after,
        )
    if isinstance(exc, pytrends_errors.ResponseError):
        return SourceError(f"Google Trends answered HTTP {exc.response.status_code}")
    if isinstance(exc, requests.RequestException):
        return SourceError(f"request to Google Trends failed ({type(exc).__name__})")
    if isinstance(exc, ValueError | KeyError | IndexError | TypeError):
        return SourceError(f"Google Trends' answer was malformed ({type(exc).__name__})")
    return SourceError(f"unexpected failure fetching Google Trends ({type(exc).__name__}: {exc})")
