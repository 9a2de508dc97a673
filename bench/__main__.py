"""`python -m bench <name> [options]`: each benchmark is a module with `main(argv)`."""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = {
    "throughput": "bench.throughput",
    "latency": "bench.latency",
    "dashboard": "bench.dashboard",
    "sink": "bench.sink",
    "classify": "bench.classify",
    "notify": "bench.notify",
    "viewers": "bench.viewers",
    "recommend": "bench.recommend",
    "soak": "bench.soak",
    "peers": "bench.peers",
}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] not in BENCHMARKS:
        names = ",".join(BENCHMARKS)
        print(f"usage: python -m bench {{{names}}} [options] (--help after any)", file=sys.stderr)
        return 0 if args[:1] in (["-h"], ["--help"]) else 2
    return importlib.import_module(BENCHMARKS[args[0]]).main(args[1:])


if __name__ == "__main__":
    raise SystemExit(main())
