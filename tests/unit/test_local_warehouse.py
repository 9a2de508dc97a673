"""The local warehouse's reaper of transactions whose client went away."""

from __future__ import annotations

import time
from types import SimpleNamespace

from streamapp.loaders.local_warehouse import DetachedTransactionReaper


class DuckConn:
    def __init__(self, in_transaction: bool) -> None:
        self.in_transaction = in_transaction
        self.rolled_back = False

    def rollback(self) -> None:
        if not self.in_transaction:
            raise RuntimeError("cannot rollback - no transaction is active")
        self.in_transaction, self.rolled_back = False, True


def session(in_transaction: bool) -> SimpleNamespace:
    return SimpleNamespace(_duck_conn=DuckConn(in_transaction), _in_transaction=in_transaction)


def test_only_idle_sessions_with_an_open_transaction_are_rolled_back() -> None:
    sessions = {
        "dead": session(True),  # a SIGKILLed sink, mid-commit
        "idle": session(False),  # a sink with nothing to load
        "recent": session(True),  # a transaction in progress
        "busy": session(True),  # a request of it is running right now
    }
    reaper = DetachedTransactionReaper(sessions, idle_after=10)
    long_ago = time.monotonic() - 60
    reaper.last_seen.update(dead=long_ago, idle=long_ago, recent=time.monotonic(), busy=long_ago)
    reaper.busy["busy"] = 1
    assert reaper.reap_once() == 1
    assert sessions["dead"]._duck_conn.rolled_back and not sessions["dead"]._in_transaction
    assert not any(sessions[n]._duck_conn.rolled_back for n in ("idle", "recent", "busy"))
    assert set(sessions) == {"dead", "idle", "recent", "busy"}  # sessions stay usable
