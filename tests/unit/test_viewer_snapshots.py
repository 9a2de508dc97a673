import json

from streamapp.analytics.viewers import snapshots
from streamapp.analytics.viewers.features import FEATURES


def snap(t: float, cancelled: bool = False) -> snapshots.Snapshot:
    return (t, [t / 7 + i * 0.1 for i in range(len(FEATURES))], 0.123456789, 0.05, cancelled)


def test_packed_snapshots_give_back_exactly_what_was_scored() -> None:
    packed = snapshots.append(snapshots.append("", snap(1.5e9)), snap(1.6e9, True))
    assert snapshots.unpack(packed) == [snap(1.5e9), snap(1.6e9, True)]
    assert snapshots.first_time(packed) == 1.5e9 and snapshots.first_time("") is None
    assert all(c for _, _, _, _, c in snapshots.unpack(snapshots.mark_cancelled(packed)))
    assert json.loads(json.dumps(packed)) == packed  # a plain JSON string in the changelog


def test_states_written_before_packing_are_read_and_packed_on_the_next_append() -> None:
    legacy = [[1.5e9, snap(1.5e9)[1], 0.123456789, 0.05, False]]
    assert snapshots.first_time(legacy) == 1.5e9
    assert snapshots.unpack(legacy) == [snap(1.5e9)]
    packed = snapshots.append(legacy, snap(1.6e9))
    assert isinstance(packed, str) and snapshots.unpack(packed)[1] == snap(1.6e9)
    assert len(packed) < len(json.dumps([list(s) for s in snapshots.unpack(packed)]))
