"""`streamapp brief`: a one-page summary of a period from the topics (docs/brief.md).

- `read`: the period's records of `platform-windows`, `streaming-alerts` and
  `platform-forecasts`, read once outside any consumer group (Kafka).
- `render`: the summary (streamapp.analytics.brief) as plain text and as one HTML page.
May import records/analytics and the Kafka clients; never the worker (agents, tables).
"""
