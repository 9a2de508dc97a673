"""Local child processes: starting them with their logs (spawn.py) and `streamapp up`'s
supervisor, which runs the embedded broker, warehouse, worker(s), sink, simulator and
dashboard as supervised children.

May import config and embedded; the composition roots only as commands to run, never by
import.
"""
