"""Simulated viewers: a seeded population watching a catalogue, on `viewing-events`.

Pure like the post simulator (no I/O, no clock): `catalogue` (titles, genres, plans and
prices, titles that move between platforms), `population` (accounts, tastes,
subscriptions), `behaviour` (one day of one account: sessions, binges, the hidden churn
hazard), `simulator` (`ViewerSimulator`, day by day, in event-time order), `feedback`
(accounts responding to a recommender's suggestions). `quality_run` and
`recommend_quality` measure the churn model and the recommender on this population
(`oracle`: the recommender's ceiling, read from the hidden state). Calibration and its
sources: docs/viewers.md; the recommender's figures: docs/recommendations.md.
"""
