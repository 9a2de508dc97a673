"""Interactive queries on the worker's web server: GET /recommendations/<account>,
answered by the worker that owns the account's partition (route.py decides, without
Faust or the network, who answers; view.py answers or forwards).

May import config, records, analytics, observability and tables' read side; never the CLI.
"""
