"""Title trends per platform and event-time window (docs/viewers.md#trending). Pure: no
Faust, no Kafka; the states are JSON-able dicts a Faust table holds.

- `lanes`: what one `viewing-events` partition has counted (its open windows and the
  offsets folded into them, one value, so a restart neither loses nor repeats a play);
- `closing`: per platform, the newest counts of every lane for each open window, closed
  when the watermark passes it;
- `ranking`: the most played titles and the fastest rising ones of a closed window.
"""
