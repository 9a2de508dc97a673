"""`streamapp notify`: alerts from `streaming-alerts` delivered to people (docs/notify.md).

- `payloads`: what each destination receives (Alertmanager, webhook, Slack, e-mail), pure.
- `explained`: an alert's explanation (rising terms, examples, flow) as text for people.
- `signature`: the webhook's HMAC signature, and how a receiver verifies it.
- `routing`: per-destination filters on rule, platform and minimum severity.
- `retry`: exponential back-off with jitter that honours `Retry-After`.
- `redact`: secrets never reach a log line, an error or a dead letter.
- `senders`: one HTTP or SMTP delivery attempt, and what its outcome means.
- `destinations`: the destinations the settings configure, checked.
- `ledger`: the durable delivery state (compacted `notify-deliveries`), read back at start.
- `pending`: one alert message in flight; which offsets may be committed.
- `dead_letters`: dead letters, and Kafka writes retried until they land.
- `worker`: one destination's queue: skips, retries, dead letters, Alertmanager re-posts.
- `notifier`: the consumer loop feeding every destination, and the commits.
- `brief_mail`: the daily brief by e-mail at `STREAMAPP_NOTIFY_BRIEF_AT`, once a day.
- `service`: the process: clients, ledger read back, `/healthz`, until SIGTERM.
"""
