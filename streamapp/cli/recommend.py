"""`streamapp recommend ACCOUNT [-n 10] [--json]`: an account's recommendations, asked of
the running cluster over HTTP (any worker: it forwards to the account's owner).

Exit 0 with the list; 2 for a request the worker calls malformed (400); 1 for an
unknown account (404), a partition moving between workers (503) or a worker that does
not answer (one line, streamapp/runtime/unreachable.py).
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import quote

TIMEOUT_S = 10.0
URL_SETTING = "--url, or STREAMAPP_WEB_HOST and STREAMAPP_WEB_PORT"


def worker_url(explicit: str | None) -> str:
    if explicit:
        return explicit.rstrip("/")
    from streamapp.config import Settings

    pipeline = Settings().pipeline
    host = "127.0.0.1" if pipeline.web_host in ("0.0.0.0", "::", "") else pipeline.web_host
    return f"http://{host}:{pipeline.web_port}"


def ask(base: str, account: str, n: int) -> tuple[int, dict[str, Any]]:
    """(HTTP status, JSON body) of GET /recommendations/<account>?n=; raises Unreachable."""
    from streamapp.runtime.unreachable import Unreachable

    url = f"{base}/recommendations/{quote(account, safe='')}?n={n}"
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_S) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        try:
            body = json.loads(exc.read() or b"{}")
        except ValueError:
            body = {"error": f"HTTP {exc.code} {exc.reason}"}
        return exc.code, body if isinstance(body, dict) else {"error": str(body)}
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        check = "check that a worker runs and serves its web port at that address"
        raise Unreachable("the worker", base, URL_SETTING, str(reason), check) from None


def render(body: dict[str, Any]) -> str:
    rows = body.get("recommendations") or []
    head = (
        f"recommendations for {body.get('account')} ({body.get('model_version')},"
        f" served by {body.get('served_by')})"
    )
    if not rows:
        return head + "\n  (none: nothing this account can watch now that it has not finished)"
    width = max(len("title"), *(len(r["title_id"]) for r in rows))
    pwidth = max(len("platform"), *(len(r["platform"]) for r in rows))
    lines = [head, f"  {'#':>2}  {'title':<{width}}  {'platform':<{pwidth}}  {'score':>7}  reason"]
    for i, r in enumerate(rows, 1):
        lines.append(
            f"  {i:>2}  {r['title_id']:<{width}}  {r['platform']:<{pwidth}}"
            f"  {r['score']:>7.4f}  {r['reason']}"
        )
    return "\n".join(lines)


def cmd_recommend(args: argparse.Namespace) -> int:
    status, body = ask(worker_url(args.url), args.account, args.n)
    if status == 200:
        print(json.dumps(body) if args.json else render(body))
        return 0
    error = body.get("error") or f"HTTP {status}"
    if args.json:
        print(json.dumps({"status": status, **body}))
    print(f"streamapp recommend: {error}", file=sys.stderr)
    return 2 if status == 400 else 1


def register(sub: Any) -> None:
    parser = sub.add_parser("recommend", help="an account's recommendations from the workers")
    parser.add_argument("account", help="the key its viewing events carry: hash or clear id")
    parser.add_argument("-n", type=int, default=10, help="how many (1-100, default 10)")
    parser.add_argument("--json", action="store_true", help="the worker's JSON answer")
    parser.add_argument("--url", help="a worker's web address (default: this host's worker)")
    parser.set_defaults(func=cmd_recommend)
