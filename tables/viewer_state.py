"""The viewers' table: per-account-per-platform features and each partition's model.

Keys: `<account hash>|<platform>` -> the state of analytics/viewers/features.py,
`__model__|<partition>` -> that partition's churn-model checkpoint, `__profile__|<account
hash>` -> the account's recommender profile (tables/viewer_profiles.py) and
`__recmark__|<partition>` -> what the partition's recommender has folded. Keys that begin
with `__` are never account states. Every write is routed
to the changelog partition of the raw `viewing-events` partition the account lives on
(a micro-batch mixes partitions, so Faust's "partition of the current event" would not
do), and a partition's checkpoint and its accounts share that changelog partition, in
write order: the checkpoint of a batch is written before its states (engine.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import faust

from streamapp.tables.routed_table import RoutedTable

MODEL_PREFIX = "__model__|"
PROFILE_PREFIX = "__profile__|"
REC_MARK_PREFIX = "__recmark__|"
_INTERNAL = "__"  # every key that is not an account-platform state begins with it


def model_key(partition: int) -> str:
    return f"{MODEL_PREFIX}{partition}"


def profile_key(account: str) -> str:
    return f"{PROFILE_PREFIX}{account}"


def rec_mark_key(partition: int) -> str:
    return f"{REC_MARK_PREFIX}{partition}"


class ViewerStateTable(RoutedTable):
    def accounts_of(self, partition: int) -> Iterator[tuple[str, dict[str, Any]]]:
        """The account states this worker holds for one raw partition."""
        for key, value in list(self.items()):
            if not key.startswith(_INTERNAL) and value and value.get("p") == partition:
                yield key, value

    def profiles_of(self, partition: int) -> Iterator[tuple[str, dict[str, Any]]]:
        """(account hash, stored profile) of the accounts of one raw partition."""
        for key, value in list(self.items()):
            if key.startswith(PROFILE_PREFIX) and value and value.get("p") == partition:
                yield key[len(PROFILE_PREFIX) :], value


def define_viewer_state(app: faust.App, partitions: int) -> ViewerStateTable:
    table = ViewerStateTable(
        app,
        name="viewer-state",
        default=None,
        key_type=str,
        beacon=app.tables.beacon,
        partitions=partitions,
        help="per-account features and the churn model per partition",
    )
    return app.tables.add(table)
