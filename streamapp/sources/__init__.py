"""Sources: adapters that bring raw events into the raw topics.

`simulator` (pure, seeded) and `post_templates` make a realistic stream without any
network; `producer` paces it onto Kafka; `replay` sends a recorded JSONL file.
Modules here import aiokafka lazily where they can, so the pure parts stay cheap.
"""
