"""`streamapp notify`: alerts from `streaming-alerts` delivered to people (docs/notify.md).

- `payloads`: what each destination receives (Alertmanager, webhook, Slack, e-mail), pure.
- `signature`: the webhook's HMAC signature, and how a receiver verifies it.
- `routing`: per-destination filters on rule, platform and minimum severity.
- `retry`: exponential back-off with jitter that honours `Retry-After`.
- `redact`: secrets never reach a log line, an error or a dead letter.
- `senders`: one HTTP or SMTP delivery attempt, and what its outcome means.
- `ledger`: the durable delivery state (compacted `notify-deliveries`), read back at start.
- `service`: the consumer, the per-destination queues, commits and dead letters.
"""
