"""The webhook receiver of `python -m bench notify`, in a process of its own: answers 200
to every POST and remembers when each alert first arrived (wall clock), per run.

`python -m bench.notify_receiver PORT` prints `ready` once it listens.
`GET /arrivals/<run>` -> {alert_id: arrival time} for the alerts whose id starts `<run>-`.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

from aiohttp import web


def app() -> web.Application:
    arrivals: dict[str, dict[str, float]] = {}

    async def hook(request: web.Request) -> web.Response:
        body = await request.read()
        now = time.time()
        alert_id = str(json.loads(body).get("alert_id", ""))
        run = alert_id.rsplit("-", 1)[0]
        arrivals.setdefault(run, {}).setdefault(alert_id, now)
        return web.Response(text="ok")

    async def listed(request: web.Request) -> web.Response:
        return web.json_response(arrivals.get(request.match_info["run"], {}))

    application = web.Application()
    application.router.add_post("/hook", hook)
    application.router.add_get("/arrivals/{run}", listed)
    return application


async def serve(port: int) -> None:
    runner = web.AppRunner(app(), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    print("ready", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1])))
