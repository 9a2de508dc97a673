"""`streamapp recommend`: a readable table or the worker's JSON, and a clear line and exit
code for a malformed request, an unknown account, a moving partition or no worker."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from streamapp.cli import main
from streamapp.embedded import free_port

ANSWER = {
    "account": "a" * 64,
    "n": 2,
    "recommendations": [
        {
            "title_id": "net-dra-003",
            "platform": "netflix",
            "score": 0.41,
            "reason": "continue watching",
        },
        {
            "title_id": "hul-com-011",
            "platform": "hulu",
            "score": 0.125,
            "reason": "trending on hulu",
        },
    ],
    "model_version": "rec-blend-1",
    "served_by": "http://127.0.0.1:6067",
}


class Worker(BaseHTTPRequestHandler):
    """Stands in for a worker's web server: answers by the account in the path."""

    asked: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        Worker.asked.append(self.path)
        account = self.path.split("/")[2].split("?")[0]
        status, body = {
            "known": (200, ANSWER),
            "bad": (400, {"error": "n must be within 1-100, got 0"}),
            "moving": (503, {"error": "partition 3 of viewing-events is moving; ask again"}),
        }.get(account, (404, {"error": f"no viewing events of account {account} have been read"}))
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def url() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", free_port()), Worker)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_a_table_by_default_and_the_json_with_json(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["recommend", "known", "-n", "2", "--url", url]) == 0
    out = capsys.readouterr().out
    assert "rec-blend-1, served by http://127.0.0.1:6067" in out
    assert "   1  net-dra-003  netflix    0.4100  continue watching" in out
    assert "   2  hul-com-011  hulu       0.1250  trending on hulu" in out
    assert Worker.asked[-1] == "/recommendations/known?n=2"
    assert main(["recommend", "known", "--url", url + "/", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == ANSWER


def test_a_clear_id_is_sent_quoted(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    main(["recommend", "user@example.com", "--url", url])
    assert Worker.asked[-1] == "/recommendations/user%40example.com?n=10"


@pytest.mark.parametrize(
    ("account", "code", "line"),
    [
        ("bad", 2, "streamapp recommend: n must be within 1-100, got 0"),
        ("nobody", 1, "streamapp recommend: no viewing events of account nobody have been read"),
        ("moving", 1, "streamapp recommend: partition 3 of viewing-events is moving; ask again"),
    ],
)
def test_errors_are_one_line_and_an_exit_code(
    url: str, capsys: pytest.CaptureFixture[str], account: str, code: int, line: str
) -> None:
    assert main(["recommend", account, "--url", url]) == code
    captured = capsys.readouterr()
    assert captured.err.strip() == line and captured.out == ""


def test_no_worker_is_one_line_naming_the_address(capsys: pytest.CaptureFixture[str]) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    assert main(["recommend", "known", "--url", url]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith(
        f"streamapp recommend: cannot reach the worker at {url} (--url, or STREAMAPP_WEB_HOST"
    )
    assert "Traceback" not in err and len(err.splitlines()) == 1
