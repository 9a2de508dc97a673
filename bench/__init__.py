"""Benchmarks: `python -m bench throughput` and `python -m bench latency` (figures printed,
not timed tests; the last line of each is machine-readable)."""
