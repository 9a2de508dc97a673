"""The test harness: the product's processes and parts as the tests and `bench/` run them.

One home for what both need, so a test and a benchmark start a worker the same way:

- `process`: what every child process shares (spawn with a log file, liveness, log
  tail, SIGTERM then SIGKILL, resident memory, a py-spy profiler) and `HarnessError`;
- `worker`: `streamapp worker` / `streamapp sink` on a free web port (`Worker`), with a
  fault injected (`faulty_worker`, the faults in `faults.py`);
- `dashboard`: `streamapp dashboard` on a free port and the headless Chromium set-up;
- `warehouse`: the local warehouse server, settings for a schema of one's own, queries;
- `kafka`: a Kafka broker for a run, topics, producing and reading records back;
- `clock`: the fake clock unit tests inject.

Defaults (data directory, ports) come from `streamapp.config`, never written here again.
`bench/` imports from here (bench is not installed; `tests/` is the harness's home); the
harness imports nothing from `bench/`.
"""
