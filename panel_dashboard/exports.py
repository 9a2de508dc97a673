"""What can be taken away: each chart's data as CSV, and the page as a PNG.

CSV is made on the server from exactly what the chart's source holds (so it is what the
chart shows). The PNG is a client-side capture: BokehJS renders every chart on the page to
its canvas and the script below draws them, at their places on the page, into one image
(no browser driver on the server; HTML text such as the headline and the tables is not in
it: each chart's own toolbar "save" gives a single chart).
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

SKIP = {"colour", "alpha", "explanation", "band_xs", "band_ys"}  # drawing, not data


def _time(ms: float) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def csv_text(data: dict[str, Any], value: str = "value") -> str:
    """A source's data as CSV: series (xs/ys per platform) as one row per point
    (`time_utc` = the step's end), other sources one row per row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if "xs" in data and "ys" in data:
        writer.writerow(["time_utc", "platform", value])
        key = "platform" if "platform" in data else "label"
        for who, xs, ys in zip(data[key], data["xs"], data["ys"], strict=True):
            for x, y in zip(xs, ys, strict=True):
                writer.writerow([_time(x), who, "" if y != y else y])  # NaN: no data
        return out.getvalue()
    names = [c for c in data if c not in SKIP]
    writer.writerow(names)
    writer.writerows(zip(*(data[c] for c in names), strict=True))
    return out.getvalue()


# Runs in the page (a button's CustomJS): every Bokeh plot view drawn to one canvas.
PNG_CAPTURE = """
const isPlot = (v) => v.model && 'toolbar' in v.model && 'renderers' in v.model && v.export;
const views = [...Bokeh.index.query(isPlot)];
const shown = views.filter((v) => v.el.getBoundingClientRect().width > 0);
if (!shown.length) return;
const boxes = shown.map((v) => v.el.getBoundingClientRect());
const left = Math.min(...boxes.map((b) => b.left)), top = Math.min(...boxes.map((b) => b.top));
const canvas = document.createElement('canvas');
canvas.width = Math.max(...boxes.map((b) => b.right)) - left;
canvas.height = Math.max(...boxes.map((b) => b.bottom)) - top;
const ctx = canvas.getContext('2d');
ctx.fillStyle = 'white'; ctx.fillRect(0, 0, canvas.width, canvas.height);
shown.forEach((v, i) => {
  const layer = v.export('png', false);
  ctx.drawImage(layer.canvas, boxes[i].left - left, boxes[i].top - top, boxes[i].width, boxes[i].height);
});
canvas.toBlob((blob) => {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = 'streamapp-dashboard-' + new Date().toISOString().slice(0, 19) + '.png';
  document.body.appendChild(a); a.click(); a.remove();
  window.__png_size = [canvas.width, canvas.height, blob.size];
}, 'image/png');
"""
