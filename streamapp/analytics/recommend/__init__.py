"""Recommendations: top-N titles per account from the viewing stream (docs/recommendations.md).

Pure (no Faust, no Kafka), like analytics/viewers: the per-account profile is a plain
JSON-able dict a Faust table can hold, and the catalogue is what the `title-catalogue`
topic said last about each title. `catalogue` is the seam every part shares: what is on
which platform now, and the record a recommendation is. `model` is the API the worker
uses (one Recommender per raw partition, and the popularity baseline); `profile` the
per-account state, `counts` the partition's popularity and co-occurrence (rebuilt from
the profiles), `blend` the score, `ranking` the rules every list obeys; `quality` and
`partitions` the prequential measure, split as Kafka splits the accounts.
"""
