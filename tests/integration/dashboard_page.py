"""Helpers for the dashboard tests: reading the page (its models, where they are drawn,
its ink) and where its requests go. The process itself: tests/harness/dashboard.py."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"  # git-ignored

# A chart's plotting area on the page (x, y, width, height), scrolled into view.
CHART_BOX = """(name) => {
  const [view] = [...Bokeh.index.query((v) => v.model.name === name)];
  view.el.scrollIntoView();
  const r = view.el.getBoundingClientRect(), f = view.frame.bbox;
  return [r.left + f.left, r.top + f.top, f.width, f.height];
}"""

# Where models are drawn on the page: name -> [x, y, width, height] in page pixels.
PAGE_BOXES = """(names) => Object.fromEntries(names.map((name) => {
  const [view] = [...Bokeh.index.query((v) => v.model.name === name
                                        || (v.model.css_classes || []).includes(name))];
  const r = view.el.getBoundingClientRect();
  return [name, [r.left + window.scrollX, r.top + window.scrollY, r.width, r.height]];
}))"""


def ink_blocks(image: Image.Image, box: list[float], cols: int = 48, rows: int = 6) -> list[float]:
    """The share of dark pixels (text, lines, bars) in each block of a grid over `box`."""
    x, y, w, h = (round(v) for v in box)
    grey = image.convert("L").crop((x, y, x + w, y + h))
    dark = grey.point(lambda v: 255 if v < 160 else 0).resize((cols, rows), Image.Resampling.BOX)
    return [v / 255 for v in dark.tobytes()]


def similarity(a: list[float], b: list[float]) -> float:
    """Pearson correlation of two block grids (1: the same layout of ink)."""
    n = len(a)
    ma, mb = sum(a) / n, sum(b) / n
    cov = sum((p - ma) * (q - mb) for p, q in zip(a, b, strict=True))
    va = sum((p - ma) ** 2 for p in a) ** 0.5
    vb = sum((q - mb) ** 2 for q in b) ** 0.5
    return cov / (va * vb) if va and vb else 0.0


# What the page holds, read through BokehJS (Panel renders into shadow DOM).
READ_PAGE = """() => {
  const doc = window.Bokeh && Bokeh.documents[0];
  if (!doc) return null;
  const data = (name) => { const m = doc.get_model_by_name(name); return m ? m.data : null; };
  const totals = (d) => d ? Object.fromEntries(
      Array.from(d.platform).map((p, i) => [p, Array.from(d.ys[i]).reduce((a, b) => a + b, 0)]))
    : {};
  const alerts = data('alerts'), windows = data('windows'), fresh = data('freshness');
  const moves = data('switching'), interest = data('interest_lines');
  const bands = data('forecasts');
  const lines = data('mention_lines');
  // The colour each shown platform's line is drawn in: its renderer's glyph, by legend label.
  const lineColours = (legend) => Object.fromEntries(legend.items.filter((it) => it.visible)
    .map((it) => [typeof it.label === 'object' ? it.label.value : it.label,
                  (it.renderers[0].glyph.line_color || {}).value]));
  const xs = lines && lines.xs.length ? Array.from(lines.xs[0]) : [];
  return {
    forecasts: bands ? Array.from(bands.label) : [],
    x_range_s: (doc.get_model_by_name('time_range').end - doc.get_model_by_name('time_range').start) / 1000,
    x_end_lag_s: (Date.now() - doc.get_model_by_name('time_range').end) / 1000,
    headline: Object.fromEntries(Array.from(data('headline').metric).map(
      (m, i) => [m, data('headline').value[i]])),
    span_s: xs.length ? (xs[xs.length - 1] - xs[0]) / 1000 : 0,
    mentions: totals(lines),
    line_colours: lineColours(doc.get_model_by_name('mention_legend')),
    legend_hides: doc.get_model_by_name('mention_legend').click_policy,
    interest: interest ? Array.from(interest.platform) : [],
    switching: moves ? Array.from(moves.moves).map((n, i) => [moves.from[i], moves.to[i], n]) : [],
    piracy: totals(data('piracy_lines')),
    alerts: alerts ? Array.from(alerts.rule).map((r, i) => ({rule: r,
      status: alerts.status[i], platform: alerts.platform[i], colour: alerts.colour[i]})) : [],
    windows: windows ? Array.from(windows.platform) : [],
    freshness: fresh ? Object.fromEntries(Array.from(fresh.source).map(
      (s, i) => [s, fresh.messages[i]])) : {},
  };
}"""


def own_origin(url: str, port: int) -> bool:
    """Whether a request the page made went to the dashboard's own server."""
    for scheme in ("http", "ws", "blob:http"):
        if url.startswith(f"{scheme}://127.0.0.1:{port}/"):
            return True
    return url.startswith("data:")
