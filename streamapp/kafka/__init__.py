"""Kafka plumbing that is not Faust: creating and verifying topics with the admin client.

May import aiokafka and `streamapp.config`; never Faust, agents, tables or loaders, so the
`streamapp topics` command and `streamapp up` use it without building a worker.
"""
