"""Sources: adapters that bring raw events into the raw topics.

`simulator` (pure, seeded; its posts from `post_stream`, `post_templates` and
`post_vocabulary`) makes a realistic stream without any network; `producer` paces it
onto Kafka; `replay` sends a recorded JSONL file; `factory` builds the real collectors.
Modules here import aiokafka lazily where they can, so the pure parts stay cheap.
"""
