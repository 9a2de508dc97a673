"""The "Page as PNG" button: the page as the analyst sees it, drawn in the browser.

Bokeh's own export gives one chart at a time, and a server-side render would need a
browser driver beside the server (and would show the server's session, not the
analyst's). So the page draws itself: the script below walks the page as the browser
laid it out (into Panel's and Bokeh's shadow roots and their slots), and paints into one
canvas each element's background and border, each word of text where the browser put it
(with its font and colour), images and canvases, and each Bokeh chart from BokehJS's own
export of it. A scroll box (a long table) clips what is inside it, as on screen. Hidden
parts (another tab, a collapsed picker) are not drawn. What it leaves out is styling a
canvas cannot copy cheaply: shadows, gradients, rounded corners, icons drawn by CSS masks.
No library: about sixty lines, run only when the button is clicked.
"""

from __future__ import annotations

PAGE_CAPTURE = """
const plots = new Map();
for (const v of Bokeh.index.query((v) => v.model && 'toolbar' in v.model
                                   && 'renderers' in v.model && v.export)) plots.set(v.el, v);
const sx = window.scrollX, sy = window.scrollY, dpr = window.devicePixelRatio || 1;
const W = document.documentElement.scrollWidth, H = document.documentElement.scrollHeight;
const canvas = document.createElement('canvas');
canvas.width = W * dpr; canvas.height = H * dpr;
const ctx = canvas.getContext('2d');
ctx.scale(dpr, dpr);
ctx.fillStyle = 'white'; ctx.fillRect(0, 0, W, H);
const SKIP = new Set(['STYLE', 'SCRIPT', 'LINK', 'META', 'TEMPLATE', 'NOSCRIPT', 'HEAD']);
const shows = (c) => c && c !== 'transparent' && !/rgba\\(.*,\\s*0\\)$/.test(c);
const page = (r) => [r.left + sx, r.top + sy, r.width, r.height];
const meet = (a, r) => [Math.max(a[0], r[0]), Math.max(a[1], r[1]),
                        Math.min(a[2], r[0] + r[2]), Math.min(a[3], r[1] + r[3])];
// Draw inside the clip (x0, y0, x1, y1): what a scroll box hides stays hidden.
const clipped = (clip, draw) => {
  if (clip[2] <= clip[0] || clip[3] <= clip[1]) return;
  ctx.save(); ctx.beginPath(); ctx.rect(clip[0], clip[1], clip[2] - clip[0], clip[3] - clip[1]);
  ctx.clip(); draw(); ctx.restore();
};
const range = document.createRange();
const words = (node, clip) => {
  const text = node.textContent, st = getComputedStyle(node.parentElement);
  if (!text.trim() || st.visibility === 'hidden') return;
  clipped(clip, () => {
    ctx.font = `${st.fontStyle} ${st.fontWeight} ${st.fontSize} ${st.fontFamily}`;
    ctx.fillStyle = st.color; ctx.textBaseline = 'middle';
    const upper = st.textTransform === 'uppercase';
    for (const m of text.matchAll(/\\S+/g)) {  // each word where the browser put it
      range.setStart(node, m.index); range.setEnd(node, m.index + m[0].length);
      const r = range.getClientRects()[0];
      if (r && r.width) ctx.fillText(upper ? m[0].toUpperCase() : m[0], r.left + sx, r.top + sy + r.height / 2);
    }
  });
};
const paint = (node, clip) => {
  if (node.nodeType === Node.TEXT_NODE) return words(node, clip);
  if (node.nodeType === Node.ELEMENT_NODE) {
    if (SKIP.has(node.tagName) || node instanceof SVGElement) return;
    const st = getComputedStyle(node);
    if (st.display === 'none' || st.opacity === '0') return;
    const r = page(node.getBoundingClientRect());
    const view = plots.get(node), image = view ? view.export('png', false).canvas
      : (node.tagName === 'CANVAS' || (node.tagName === 'IMG' && node.complete)) ? node : null;
    if (image) return r[2] && clipped(clip, () => ctx.drawImage(image, ...r));
    if (st.visibility !== 'hidden') clipped(clip, () => {
      if (shows(st.backgroundColor)) { ctx.fillStyle = st.backgroundColor; ctx.fillRect(...r); }
      const line = parseFloat(st.borderBottomWidth);
      if (line > 0 && st.borderBottomStyle !== 'none' && shows(st.borderBottomColor)) {
        ctx.strokeStyle = st.borderBottomColor; ctx.lineWidth = line;
        if (parseFloat(st.borderTopWidth) > 0) ctx.strokeRect(...r);  // a box, or a rule
        else { ctx.beginPath(); ctx.moveTo(r[0], r[1] + r[3]); ctx.lineTo(r[0] + r[2], r[1] + r[3]); ctx.stroke(); }
      }
    });
    if (st.overflowX !== 'visible' || st.overflowY !== 'visible') clip = meet(clip, r);
    if (node.shadowRoot) return node.shadowRoot.childNodes.forEach((c) => paint(c, clip));
    if (node.tagName === 'SLOT' && node.assignedNodes().length) {
      return node.assignedNodes().forEach((c) => paint(c, clip));
    }
  } else if (node.nodeType !== Node.DOCUMENT_FRAGMENT_NODE) return;
  node.childNodes.forEach((c) => paint(c, clip));
};
paint(document.body, [0, 0, W, H]);
canvas.toBlob((blob) => {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = 'streamapp-dashboard-' + new Date().toISOString().slice(0, 19) + '.png';
  document.body.appendChild(a); a.click(); a.remove();
  window.__png_size = [canvas.width, canvas.height, blob.size];
}, 'image/png');
"""
