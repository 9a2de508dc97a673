"""Viewers: per-account features, sessions, the online churn model and its quality.

Pure (no Faust, no Kafka): state is a plain JSON-able dict per account and platform, so a
Faust table can hold it and a replay gives what live gave. `features` folds events into
that state (sessionising in event time) and reads the feature vector; `model` is the
river model and its checkpoint; `quality` the prequential figures; `engine` ties them:
scores on session ends and daily ticks, delayed labels, learning exactly once.
"""
