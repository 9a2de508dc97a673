"""What operators see of a running process: Prometheus metrics (declared once), the
`/metrics` page with its consumer-lag sampler, and `/healthz` and `/readyz`.

May import config and topics; sits below everything that runs (agents, tables, loaders,
delivery and the apps import it, never the reverse).
"""
