"""Everything that keeps records from being lost or counted twice (docs/delivery.md):
the patches to Faust's consumer (refused on a Faust version they were not written for),
the head watch that re-reads a partition whose next record went missing, the offsets of
each raw partition whose contributions were delivered (marks), and what a worker taking
over a partition reads back from the contributions log.

May import config, records, analytics, kafka and observability; never agents, tables,
loaders or the apps: it protects them and must not depend on them.
"""
