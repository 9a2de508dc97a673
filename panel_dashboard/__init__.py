"""The live Panel dashboard: a separate process that reads the topics and never imports the
worker. `feed` (Kafka) -> `state` (shared, time-bounded) -> `view` (one per browser session,
redrawn a few times a second); `server` serves it, `streamapp dashboard` runs it."""
