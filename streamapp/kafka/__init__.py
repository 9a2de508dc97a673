"""Kafka plumbing that is not Faust: client security (TLS, SASL) from settings, creating
and verifying topics with the admin client, and reading a stretch of a topic outside any
consumer group.

May import aiokafka, `streamapp.config`, `streamapp.topics` and `streamapp.observability`;
never Faust apps, agents, tables, loaders or delivery, so short-lived commands (`streamapp
topics`, `alerts`, `replay`) use it without building a worker.
"""
