"""`python -m bench {throughput,latency} [options]`."""

from __future__ import annotations

import sys

USAGE = "usage: python -m bench {throughput,latency} [options] (--help after either)"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] not in ("throughput", "latency"):
        print(USAGE, file=sys.stderr)
        return 0 if args[:1] in (["-h"], ["--help"]) else 2
    if args[0] == "throughput":
        from bench.throughput import main as run
    else:
        from bench.latency import main as run
    return run(args[1:])


if __name__ == "__main__":
    raise SystemExit(main())
