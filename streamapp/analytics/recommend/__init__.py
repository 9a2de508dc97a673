"""Recommendations: top-N titles per account from the viewing stream (docs/recommendations.md).

Pure (no Faust, no Kafka), like analytics/viewers: the per-account profile is a plain
JSON-able dict a Faust table can hold, and the catalogue is what the `title-catalogue`
topic said last about each title. `catalogue` is the seam every part shares: what is on
which platform now, and the record a recommendation is.
"""
