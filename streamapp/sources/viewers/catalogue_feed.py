"""The simulated catalogue on `title-catalogue`: every title at the start, then each
title that moves (the weekly moves, a content exit) on the day it moves.

The simulator's catalogue is the truth the simulated accounts watch from; this feed says
it on the wire in the schema any real producer would use (records/catalogue.py), so the
worker cannot tell a simulated catalogue from a loaded one.
"""

from __future__ import annotations

from streamapp import topics
from streamapp.records.catalogue import title_record
from streamapp.sources.sim_events import SimEvent
from streamapp.sources.viewers.catalogue import Catalogue


class CatalogueFeed:
    """`note(t)` after each simulated day's market; `drain()` hands over what is due."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self._said: dict[str, str | None] | None = None  # what the topic was last told
        self._due: list[SimEvent] = []

    def note(self, t: float) -> None:
        """Records for every title whose platform changed since the last note (all of
        them at the first), at event time `t`."""
        home = self.catalogue.home
        said = self._said
        changed = (
            sorted(home) if said is None else sorted(i for i in home if said.get(i) != home[i])
        )
        for title_id in changed:
            value = title_record(self.catalogue.info(title_id, t))
            self._due.append(SimEvent(topics.TITLE_CATALOGUE, title_id, value, t))
        self._said = dict(home)

    def drain(self) -> list[SimEvent]:
        due, self._due = self._due, []
        return due
