"""A loopback server speaking Google Trends' explore and widget endpoints.

pytrends is pointed at it (our `TrendReq` subclass swaps the base URL), so its own
request building, `)]}'` trimming and DataFrame parsing run. Like Google, each widget
answer is scaled to its own 0-100: the highest true value of any term in that request is
100, the rest rounded to integers. The newest point is `isPartial`. Interest by region
(the `comparedgeo` widget) answers from `regions` the same way: a country's subregions
(`US-CA`) when the request names a country, countries (`GB`) when it is worldwide, the
highest region 100. Faults are queued and served to the next explore or widget request.
"""

from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass, field

from aiohttp import web

from tests.servers.faults import Fault, next_fault

HOUR = 3600


def _trends_error(status: int, headers: dict[str, str]) -> web.Response:
    return web.Response(
        text="<html>error</html>", status=status, headers=headers, content_type="text/html"
    )


@dataclass
class TrendsServer:
    truth: dict[str, list[float]]  # keyword -> true interest, one value per hour from `start`
    start: int  # epoch of the first hour
    hours: int  # how many hours are published so far (the last one is partial)
    faults: deque[Fault] = field(default_factory=deque)
    explore_requests: list[list[str]] = field(default_factory=list)
    widget_requests: list[list[str]] = field(default_factory=list)
    # keyword -> geo code -> true interest (subregions like "US-CA" and countries like "GB")
    regions: dict[str, dict[str, float]] = field(default_factory=dict)
    region_requests: list[tuple[str, str]] = field(default_factory=list)  # (keyword, geo)
    cookie_requests: int = 0

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/trends/explore/", self._cookie)
        app.router.add_post("/trends/api/explore", self._explore)
        app.router.add_get("/trends/api/widgetdata/multiline", self._multiline)
        app.router.add_get("/trends/api/widgetdata/comparedgeo", self._comparedgeo)
        return app

    async def _cookie(self, request: web.Request) -> web.Response:
        self.cookie_requests += 1
        response = web.Response(text="<html></html>", content_type="text/html")
        response.set_cookie("NID", "511=test-cookie")
        return response

    async def _fault(self) -> web.Response | None:
        return await next_fault(self.faults, _trends_error)

    async def _explore(self, request: web.Request) -> web.Response:
        req = json.loads(request.query["req"])
        keywords = [item["keyword"] for item in req["comparisonItem"]]
        self.explore_requests.append(keywords)
        failed = await self._fault()
        if failed is not None:
            return failed
        widget_request = {
            "time": req["comparisonItem"][0]["time"],
            "resolution": "HOUR",
            "locale": "en-US",
            "comparisonItem": [
                {
                    "geo": {"country": item["geo"]} if item["geo"] else {},
                    "complexKeywordsRestriction": {
                        "keyword": [{"type": "BROAD", "value": item["keyword"]}]
                    },
                }
                for item in req["comparisonItem"]
            ],
            "requestOptions": {"property": "", "backend": "CM", "category": 0},
        }
        widgets = [
            {
                "id": "TIMESERIES",
                "request": widget_request,
                "token": "APP6_tok",
                "type": "fe_line_chart",
                "title": "Interest over time",
            },
            {
                "id": "GEO_MAP",
                "request": {
                    "geo": {"country": req["comparisonItem"][0]["geo"]},
                    "comparisonItem": widget_request["comparisonItem"],
                    "resolution": "COUNTRY",
                    "locale": "en-US",
                },
                "token": "APP6_geo",
                "type": "fe_geo_chart_explore",
            },
        ]
        return web.Response(
            text=")]}'\n" + json.dumps({"widgets": widgets}), content_type="application/json"
        )

    async def _multiline(self, request: web.Request) -> web.Response:
        req = json.loads(request.query["req"])
        keywords = [
            item["complexKeywordsRestriction"]["keyword"][0]["value"]
            for item in req["comparisonItem"]
        ]
        self.widget_requests.append(keywords)
        failed = await self._fault()
        if failed is not None:
            return failed
        top = max(self.truth[k][h] for k in keywords for h in range(self.hours)) or 1.0
        timeline = []
        for h in range(self.hours):
            values = [int(round(self.truth[k][h] * 100 / top)) for k in keywords]
            point = {
                "time": str(self.start + h * HOUR),
                "formattedTime": f"hour {h}",
                "formattedAxisTime": f"hour {h}",
                "value": values,
                "hasData": [v > 0 for v in values],
                "formattedValue": [str(v) for v in values],
            }
            if h == self.hours - 1:
                point["isPartial"] = True
            timeline.append(point)
        body = {"default": {"timelineData": timeline, "averages": []}}
        return web.Response(text=")]}',\n" + json.dumps(body), content_type="application/json")

    async def _comparedgeo(self, request: web.Request) -> web.Response:
        req = json.loads(request.query["req"])
        keywords = [
            item["complexKeywordsRestriction"]["keyword"][0]["value"]
            for item in req["comparisonItem"]
        ]
        country = req["geo"].get("country") or ""
        for keyword in keywords:
            self.region_requests.append((keyword, country))
        failed = await self._fault()
        if failed is not None:
            return failed

        def wanted(code: str) -> bool:
            return code.startswith(country + "-") if country else "-" not in code

        codes = sorted({c for k in keywords for c in self.regions.get(k, {}) if wanted(c)})
        top = max((self.regions[k].get(c, 0.0) for k in keywords for c in codes), default=0)
        rows = []
        for code in codes:
            values = [
                int(round(self.regions[k].get(code, 0.0) * 100 / (top or 1))) for k in keywords
            ]
            rows.append(
                {
                    "geoCode": code,
                    "geoName": f"Region {code}",
                    "value": values,
                    "formattedValue": [str(v) for v in values],
                    "maxValueIndex": 0,
                    "hasData": [v > 0 for v in values],
                }
            )
        body = {"default": {"geoMapData": rows}}
        return web.Response(text=")]}',\n" + json.dumps(body), content_type="application/json")
