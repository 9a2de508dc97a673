"""The real dashboard in headless Chromium, against the embedded Kafka and a real worker."""

from __future__ import annotations

import asyncio
import concurrent.futures
import csv
import http.client
import io
import json
import time
import urllib.parse
import urllib.request
from datetime import UTC, datetime

import pytest
from PIL import Image
from playwright.sync_api import Page, sync_playwright

from streamapp import topics
from streamapp.kafka.topic_admin import TopicSpec, ensure_topics
from tests.harness.dashboard import CHROMIUM, CHROMIUM_FLAGS, Dashboard
from tests.harness.kafka import prepare_topics, produce, read_until
from tests.harness.worker import Worker
from tests.integration.dashboard_page import (
    ARTIFACTS,
    CHART_BOX,
    PAGE_BOXES,
    READ_PAGE,
    ink_blocks,
    own_origin,
    similarity,
)
from tests.integration.pipeline import CHATTER, netflix_windows, produce_paced, reddit_post

pytestmark = pytest.mark.integration
SIZE = 2.0
SWITCH = "Cancelled Netflix, switching to Disney Plus for the kids shows #{n}"
INTEREST = (("netflix", 60), ("disney_plus", 20))


def forecast_record(platform: str, first: float) -> tuple[str, bytes]:
    """A `platform-forecasts` record as the forecasting agent writes it: 6 steps ahead."""
    points = [
        {"timestamp": _iso(first + k * SIZE), "yhat": 3.0, "yhat_lower": 1.0, "yhat_upper": 5.0}
        for k in range(6)
    ]
    value = {"platform": platform, "metric": "mentions", "model": "drift", "points": points}
    return platform, json.dumps({**value, "generated_at": _iso(first)}).encode()


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat()


def trend_point(platform: str, interest: float, when: float) -> tuple[str, bytes]:
    stamp = datetime.fromtimestamp(when, UTC).isoformat().replace("+00:00", "Z")
    value = {"keyword": platform, "platform": platform, "geo": "", "timestamp": stamp}
    return platform, json.dumps({**value, "interest": interest}).encode()


def in_thread(coro):
    """Run a coroutine to its end (Playwright's sync API holds this thread's event loop)."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


@pytest.fixture
def browser():
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def dashboards(kafka_broker, unique_topic_prefix, tmp_path):
    started: list[Dashboard] = []

    def start(*args: str, **env: str) -> Dashboard:
        board = Dashboard(kafka_broker.bootstrap, unique_topic_prefix + ".", tmp_path, list(args))
        board.env.update(env)
        started.append(board.start())
        board.wait_serving()
        return board

    yield start
    for board in started:
        board.stop()


# The Viewers tab, read through BokehJS: sources by name.
READ_VIEWERS = """() => {
  const doc = window.Bokeh && Bokeh.documents[0];
  if (!doc) return null;
  const data = (name) => { const m = doc.get_model_by_name(name); return m ? m.data : null; };
  const rows = (d, cols) => d ? Array.from(d[cols[0]]).map((_, i) => cols.map((c) => d[c][i])) : [];
  const lines = (name) => { const d = data(name); return d ? Object.fromEntries(Array.from(
    d.platform).map((p, i) => [p, Array.from(d.ys[i])])) : {}; };
  return {
    top: rows(data('trending_top'), ['platform', 'title_id', 'plays']),
    shares: rows(data('recommended_share'), ['platform', 'plays', 'recommended']),
    plays: lines('plays_lines'), active: lines('active_lines'), gap: lines('content_gap_lines'),
    risk: rows(data('risk_bands'), ['platform', 'accounts']),
    moves: rows(data('viewer_moves'), ['from', 'to', 'moves']),
    quality: rows(data('churn_quality'), ['figure', 'model', 'baseline', 'labels']),
  };
}"""


class Watched:
    """A page with every request, websocket and console error it produced recorded."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.urls: list[str] = []
        self.errors: list[str] = []
        page.on("request", lambda r: self.urls.append(r.url))
        page.on("websocket", lambda ws: self.urls.append(ws.url))
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))

    def wait_for(self, check, timeout: float = 60.0, script: str = READ_PAGE) -> dict:
        deadline = time.monotonic() + timeout
        seen = None
        while time.monotonic() < deadline:
            seen = self.page.evaluate(script)
            if seen is not None and check(seen):
                return seen
            self.page.wait_for_timeout(250)
        raise AssertionError(f"the page never showed it; last seen: {seen}")


def open_live(bootstrap, prefix, tmp_path, dashboards, browser):
    """A worker (not waited for), a dashboard and a page open on it."""
    in_thread(prepare_topics(bootstrap, prefix))
    worker = Worker(bootstrap, prefix, tmp_path / "worker", {}).start()
    try:
        board = dashboards()
        watched = Watched(browser.new_page(viewport={"width": 1400, "height": 1000}))
        watched.page.goto(board.url)
    except BaseException:
        worker.stop()
        raise
    return worker, board, watched


def test_posts_and_an_alert_appear_live_in_the_browser(
    kafka_broker, unique_topic_prefix, tmp_path, dashboards, browser
):
    bootstrap, prefix = kafka_broker.bootstrap, unique_topic_prefix + "."
    worker, board, watched = open_live(bootstrap, prefix, tmp_path, dashboards, browser)
    try:
        first = watched.wait_for(lambda s: "signals" in s["freshness"], timeout=30)
        assert first["mentions"] == {} and first["alerts"] == []  # nothing produced yet
        worker.wait_ready()

        # Produced now, while the page is open: 8 quiet windows, a piracy surge, 3 quiet;
        # one Netflix -> Disney+ switch in each of the first 6 windows; interest points.
        start = (int(time.time()) // 2) * 2 - 40.0
        windows = netflix_windows(start, SIZE, [1] * 8 + [20] + [1] * 3)
        for i in range(6):
            when = start + i * SIZE + 0.5
            windows[i].append(reddit_post(f"t3_{int(start)}_sw{i}", SWITCH.format(n=i), when))
        total, piracy = sum(len(w) for w in windows), 8 + 20 + 3
        in_thread(produce_paced(bootstrap, prefix + topics.REDDIT_DISCUSSIONS, windows))

        signals = in_thread(
            read_until(bootstrap, prefix + topics.DISCUSSION_SIGNALS, lambda r: len(r) >= total)
        )
        assert len({s["event_id"] for s in signals}) == total  # the worker classified them all
        # Interest points after the posts (sent earlier they would move the worker's
        # watermark past the posts' windows before the posts arrive).
        points = [trend_point(p, v, start + i * SIZE + 1) for i in range(12) for p, v in INTEREST]
        in_thread(produce(bootstrap, prefix + topics.STREAMING_TRENDS, points))
        forecast = forecast_record("netflix", start + len(windows) * SIZE)
        in_thread(produce(bootstrap, prefix + topics.PLATFORM_FORECASTS, [forecast]))
        seen = watched.wait_for(
            lambda s: (
                s["mentions"].get("netflix") == total
                and s["mentions"].get("disney_plus") == 6
                and s["piracy"].get("netflix") == piracy
                and any(a["rule"] == "piracy_surge" for a in s["alerts"])
                and "Netflix" in s["windows"]
                and s["forecasts"]
            )
        )
        [alert] = [a for a in seen["alerts"] if a["status"] == "firing"]
        assert alert["rule"] == "piracy_surge" and alert["platform"] == "Netflix"
        assert alert["colour"] == "#c62828"  # critical: red
        # Clicked, the alert shows what explains it (the words the surge posts used) and
        # the posts behind it: its evidence ids resolved to what they said.
        watched.page.locator(".slick-cell", has_text="piracy_surge").first.click()
        detail = watched.page.wait_for_function(
            "() => { const d = Bokeh.documents[0].get_model_by_name('alert_detail');"
            " return d.text.includes('Rising terms') ? d.text : null; }",
            timeout=10_000,
        ).json_value()
        assert detail.startswith("<b>piracy_surge on Netflix</b>") and "Example: " in detail
        assert "Evidence posts (" in detail and "no longer in the dashboard" not in detail
        evidence = detail.split("Evidence posts", 1)[1]
        assert evidence.count("<li>") >= 1 and "piracy; sentiment" in evidence
        # The headline: every post once (the switches name two platforms), shares of them.
        assert seen["headline"]["posts"] == total
        assert seen["headline"]["piracy"] == pytest.approx(100 * piracy / total)
        assert seen["headline"]["switching"] == pytest.approx(100 * 6 / total)
        assert seen["headline"]["alerts"] >= 1
        # The CSV of the mentions chart, downloaded as a user would, holds the counts sent.
        with watched.page.expect_download() as download:
            watched.page.get_by_role("button", name="mentions CSV").click()
        rows = list(csv.DictReader(open(download.value.path())))  # noqa: SIM115
        sums: dict[str, float] = {}
        for row in rows:
            sums[row["platform"]] = sums.get(row["platform"], 0) + float(row["value"])
        assert sums == {"netflix": total, "disney_plus": 6}
        assert seen["freshness"]["signals"] == total
        # One colour per platform, as drawn (each line's renderer), and a legend that hides.
        assert seen["line_colours"] == {"Netflix": "#D55E00", "Disney+": "#0072B2"}
        assert seen["legend_hides"] == "hide"
        assert seen["switching"] == [["Netflix", "Disney+", 6]]
        assert set(seen["interest"]) == {"netflix", "disney_plus"}
        assert seen["freshness"]["trends"] == len(points)
        assert seen["forecasts"] == ["Netflix mentions (drift)"]
        assert seen["span_s"] > 600  # the default range: 15 min

        # The time-range filter, clicked as a user would (Playwright pierces shadow DOM).
        watched.page.get_by_role("button", name="5 min", exact=True).click()
        narrow = watched.wait_for(lambda s: 0 < s["span_s"] <= 300)
        assert narrow["mentions"]["netflix"] == total  # the posts are under a minute old
        # "5 min" is an axis of 5 minutes ending now (one bucket of slack for the clock).
        assert narrow["x_range_s"] == 300 and abs(narrow["x_end_lag_s"]) < 5
        assert "range_s=300" in watched.page.url  # the address is a link to this view
        # A click on a point of the piracy chart lists that step's posts (a server trip).
        box = watched.page.evaluate(CHART_BOX, "piracy_chart")
        watched.page.mouse.click(box[0] + box[2] * 0.97, box[1] + box[3] * 0.5)
        watched.page.wait_for_function(
            "() => Bokeh.documents[0].get_model_by_name('point_posts').text"
            ".includes('piracy posts in this step')",
            timeout=10_000,
        )
        # The page as one PNG, drawn in the page: the headline row, the charts and the
        # alert table (with the clicked alert's detail) where the browser shows them, as
        # the browser's own screenshot of the page shows them.
        watched.page.wait_for_timeout(1500)  # let the last redraw and layout settle first
        with watched.page.expect_download() as png:
            watched.page.get_by_role("button", name="Page as PNG").click()
        ARTIFACTS.mkdir(exist_ok=True)
        screen = Image.open(io.BytesIO(watched.page.screenshot(full_page=True)))
        screen.save(ARTIFACTS / "dashboard.png")
        image = Image.open(png.value.path())
        assert image.format == "PNG" and image.size == screen.size
        image.save(ARTIFACTS / "dashboard-page-export.png")
        regions = ("headline_cards", "mention_chart", "alert_table", "alert_detail")
        boxes = watched.page.evaluate(PAGE_BOXES, list(regions))
        for name, box in boxes.items():
            assert box[2] > 300 and box[3] > 30, (name, box)  # drawn, in the page
            drawn, shown = ink_blocks(image, box), ink_blocks(screen, box)
            assert sum(drawn) > 0.01 * len(drawn), name  # not blank
            # A live chart may step its 5 s axis between the two captures (0.76 seen once),
            # so it is held to less than the static parts; a blank or misplaced one
            # scores near 0.
            minimum = 0.6 if name.endswith("_chart") else 0.8
            assert similarity(drawn, shown) > minimum, (name, drawn, shown)

        assert watched.errors == []
        foreign = [u for u in watched.urls if not own_origin(u, board.port)]
        assert foreign == []  # offline-safe: everything came from the dashboard's server
        assert any("/static/js/bokeh" in u for u in watched.urls)

        # A replica started now rebuilds the same picture from the topics alone.
        replica = dashboards()
        other = Watched(browser.new_page())
        other.page.goto(replica.url)
        # Signals and alerts are separate topics read in their own order: wait for both,
        # since a redraw can land between the two catching up.
        again = other.wait_for(
            lambda s: (
                s["mentions"].get("netflix") == total
                and any(a["rule"] == "piracy_surge" for a in s["alerts"])
            ),
            timeout=30,
        )
        assert again["switching"] == seen["switching"]
        assert other.errors == []
        # A colleague's link (platforms and range in the query string) reopens that view.
        shared = Watched(browser.new_page())
        shared.page.goto(replica.url + '?platforms=["disney_plus"]&range_s=300')
        view = shared.wait_for(lambda s: s["mentions"].get("disney_plus") == 6, timeout=30)
        assert set(view["mentions"]) == {"disney_plus"} and view["x_range_s"] == 300
        assert shared.errors == []

        # The worker dies and another takes over: the open page just keeps following.
        worker.kill()
        worker = Worker(bootstrap, prefix, tmp_path / "worker", {}).start()
        worker.wait_ready(timeout=90)
        after = start + len(windows) * SIZE
        more = [reddit_post(f"t3_after{i}", CHATTER.format(n=i), after + i) for i in range(5)]
        in_thread(produce(bootstrap, prefix + topics.REDDIT_DISCUSSIONS, more))
        watched.wait_for(lambda s: s["mentions"].get("netflix") == total + len(more))
        assert watched.errors == []
    finally:
        worker.stop()


def moving_account(now: float) -> list[tuple[str, bytes]]:
    """One account cancels Netflix and signs up to Disney+ a minute later: a move."""
    account = "f" * 64
    changes = [("netflix", "cancel", now - 90), ("disney_plus", "signup", now - 30)]
    return [
        (account, json.dumps({"event_id": f"move-{int(now)}-{kind}", "account": account,
                              "platform": platform, "type": kind, "ts": _iso(at)}).encode())
        for platform, kind, at in changes
    ]  # fmt: skip


RISK_ACCOUNTS = [20, 10, 5, 2, 1, 1, 1, 0]  # per risk band, as the worker's gauge sums them
QUALITY = {"labels": 1200, "model_roc_auc": 0.77, "baseline_roc_auc": 0.69, "model_pr_auc": 0.31,
           "baseline_pr_auc": 0.15, "model_log_loss": 0.18, "baseline_log_loss": 0.2}  # fmt: skip


def test_the_viewers_tab_shows_trending_titles_recommended_share_and_the_gauge(
    kafka_broker, unique_topic_prefix, tmp_path, dashboards, browser
):
    from tests.integration.test_title_trends import events, expected

    bootstrap, prefix = kafka_broker.bootstrap, unique_topic_prefix + "."
    worker, board, watched = open_live(bootstrap, prefix, tmp_path, dashboards, browser)
    try:
        watched.page.locator(".bk-tab", has_text="Viewers").click()  # Bokeh's tab header
        worker.wait_ready()
        now = time.time()
        sent = events((now // SIZE + 1) * SIZE)  # plays of hulu and max, through the worker
        plays = [(key, json.dumps(value).encode()) for key, value in sent]
        plays += moving_account(now)  # the worker finds the move (subscription-events)
        in_thread(produce(bootstrap, prefix + topics.VIEWING_EVENTS, plays))
        gap = reddit_post(f"t3_gap{int(now)}", "Max removed all the shows I was watching", now)
        in_thread(produce(bootstrap, prefix + topics.REDDIT_DISCUSSIONS, [gap]))
        # The viewers' gauge rides on the market windows after a daily tick of the
        # clickstream; here it is one closed window as the worker writes it.
        gauge = {"window_id": f"max|{now - 60:.3f}", "platform": "max", "mentions": 0,
                 "window_end": _iso(now), "accounts_active": 40, "accounts_at_risk": 3,
                 "expected_cancellations": 2.5, "churn_quality": QUALITY,
                 "risk_histogram": {"edges": [0, .02, .05, .1, .2, .3, .5, .7, 1],
                                    "accounts": RISK_ACCOUNTS}}  # fmt: skip
        in_thread(
            produce(
                bootstrap, prefix + topics.PLATFORM_WINDOWS, [("max", json.dumps(gauge).encode())]
            )
        )
        want = expected(sent)
        per_platform = {
            p: sum(v[0] for k, v in want.items() if k.startswith(p)) for p in ("hulu", "max")
        }
        seen = watched.wait_for(
            lambda s: (
                {p: sum(ys) for p, ys in s["plays"].items()} == per_platform
                and s["active"].get("max") == [40]
                and bool(s["gap"].get("max"))
                and bool(s["moves"])
            ),
            script=READ_VIEWERS,
        )
        newest = max(k for k in want if k.startswith("hulu"))
        titles = sorted(want[newest][2].items(), key=lambda item: (-item[1], item[0]))
        assert [row[1:] for row in seen["top"] if row[0] == "Hulu"] == [list(t) for t in titles]
        recommended = {
            p: sum(v[1] for k, v in want.items() if k.startswith(p)) for p in per_platform
        }
        assert {r[0]: r[1:] for r in seen["shares"]} == {
            "hulu": [per_platform["hulu"], recommended["hulu"]],
            "max": [per_platform["max"], recommended["max"]],
        }
        assert sum(seen["gap"]["max"]) == 1
        # The churn section: the gauge's risk bands, the move the worker found, the quality
        assert [n for p, n in seen["risk"] if p == "max"] == RISK_ACCOUNTS
        assert seen["moves"] == [["Netflix", "Disney+", 1]]
        assert seen["quality"][0] == ["ROC-AUC", 0.77, 0.69, 1200]
        # Shown, not only held: the tab's table draws the titles' rows.
        assert watched.page.locator(".slick-cell", has_text=titles[0][0]).first.is_visible()
        with watched.page.expect_download() as download:
            watched.page.get_by_role("button", name="top titles CSV").click()
        rows = list(csv.DictReader(open(download.value.path())))  # noqa: SIM115
        assert [(r["title_id"], int(r["plays"])) for r in rows if r["platform"] == "Hulu"] == titles
        ARTIFACTS.mkdir(exist_ok=True)
        watched.page.screenshot(path=str(ARTIFACTS / "dashboard-viewers.png"), full_page=True)
        assert watched.errors == []
    finally:
        worker.stop()


# The Regions tab, read through BokehJS: each source's region column (and the shares).
READ_REGIONS = """() => {
  const doc = window.Bokeh && Bokeh.documents[0];
  if (!doc) return null;
  const col = (name, c) => { const m = doc.get_model_by_name(name); return m ? Array.from(m.data[c]) : []; };
  return {
    platforms: col('region_platforms', 'region'), alternative: col('region_alternative', 'region'),
    compared: col('region_comparison', 'region'), shares: col('region_comparison', 'alternative_share'),
    keywords: col('region_keywords', 'keyword'),
  };
}"""


def region_record(keyword: str, platform: str | None, interest: dict[str, float]) -> tuple:
    """A `region-interest` record as the worker publishes it (ranked, this hour's fetch)."""
    ordered = sorted(interest.items(), key=lambda item: (-item[1], item[0]))
    value = {"keyword": keyword, "platform": platform, "region_of": "US", "schema_version": 1,
             "timestamp": _iso(time.time() // 3600 * 3600),
             "regions": [{"geo": g, "interest": v, "rank": k + 1}
                         for k, (g, v) in enumerate(ordered)]}  # fmt: skip
    return keyword, json.dumps(value).encode()


def test_the_regions_tab_ranks_platform_and_alternative_viewing_interest_by_region(
    kafka_broker, unique_topic_prefix, dashboards, browser
):
    bootstrap, prefix = kafka_broker.bootstrap, unique_topic_prefix + "."
    topic = prefix + topics.REGION_INTEREST  # the one topic the tab reads: no worker here
    in_thread(ensure_topics(bootstrap, [TopicSpec(topic, 2)]))
    board = dashboards()
    watched = Watched(browser.new_page(viewport={"width": 1400, "height": 1000}))
    watched.page.goto(board.url)
    watched.page.locator(".bk-tab", has_text="Regions").click()
    note = watched.page.get_by_text("STREAMAPP_TRENDS_REGIONS", exact=False)
    note.first.wait_for(state="visible", timeout=30_000)  # nothing yet: how to turn it on
    sent = [
        region_record("netflix", "netflix", {"US-CA": 100, "US-NY": 60, "US-TX": 20}),
        (None, b"{not json"),  # a bad record on the topic: skipped, the page goes on
        region_record("free streaming", None, {"US-TX": 100, "US-NY": 70, "US-CA": 10}),
    ]
    in_thread(produce(bootstrap, topic, sent))
    seen = watched.wait_for(lambda s: len(s["compared"]) == 3, timeout=30, script=READ_REGIONS)
    assert seen["platforms"] == ["US-CA", "US-NY", "US-TX"]
    assert seen["alternative"] == ["US-TX", "US-NY", "US-CA"]
    assert seen["compared"] == ["US-TX", "US-NY", "US-CA"]  # 100/(100+20) first
    assert seen["shares"][0] == round(100 * 100 / 120, 2)
    assert watched.page.locator(".slick-cell", has_text="free streaming").first.is_visible()
    assert not note.first.is_visible()
    with watched.page.expect_download() as download:
        watched.page.get_by_role("button", name="region comparison CSV").click()
    rows = list(csv.DictReader(open(download.value.path())))  # noqa: SIM115
    assert [(r["region"], float(r["alternative_share"])) for r in rows][0] == (
        "US-TX", round(100 * 100 / 120, 2))  # fmt: skip
    ARTIFACTS.mkdir(exist_ok=True)
    watched.page.screenshot(path=str(ARTIFACTS / "dashboard-regions.png"), full_page=True)
    assert watched.errors == []


def _status(port: int, path: str, headers: dict[str, str] | None = None) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", path, headers=headers or {})
        return conn.getresponse().status
    finally:
        conn.close()


def test_with_basic_auth_nothing_is_reachable_anonymously(dashboards, browser):
    board = dashboards("--basic-auth", "s3cret-pass", "--cookie-secret", "x" * 40)
    port = board.port
    assert _status(port, "/") in (302, 401, 403)  # a redirect to the login page, no dashboard
    upgrade = {
        "Upgrade": "websocket",
        "Connection": "Upgrade",
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        "Origin": f"http://127.0.0.1:{port}",
    }
    assert _status(port, "/ws", upgrade) in (401, 403)  # no session without the cookie
    assert _status(port, "/ws", upgrade) != 101

    # A wrong password is refused; the right one opens the dashboard.
    form = urllib.parse.urlencode({"username": "analyst", "password": "wrong"}).encode()
    with urllib.request.urlopen(f"{board.url}login", data=form, timeout=5) as resp:
        assert "Invalid username or password" in resp.read().decode()
    watched = Watched(browser.new_page())
    watched.page.goto(board.url)
    watched.page.fill("input[name=username]", "analyst")
    watched.page.fill("input[name=password]", "s3cret-pass")
    watched.page.click("button[type=submit]")
    watched.wait_for(lambda s: "signals" in s["freshness"], timeout=30)
    assert watched.errors == []
    assert [u for u in watched.urls if not own_origin(u, port)] == []  # the login page too
