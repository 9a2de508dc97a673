"""What the worker app and the sink app share to run: the Faust options and the hardening
both apply, the context handed to every agent, the Faust topic objects and the topic plan
made before Faust starts, agents that cannot die of a bug, one-line errors for a
server that cannot be reached, and the process pool forecast fits run in (fit_pool.py:
it imports nothing of ours, so the fit process loads only what a fit needs).

May import config, topics, records, analytics, kafka, observability and delivery; never
agents, tables, loaders or the CLI (the composition roots `streamapp.app` and
`streamapp.sink_app` put those together).
"""
