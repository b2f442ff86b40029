// Two small SVG line charts (loss per batch, accuracy per epoch). A charting library would be
// more code to ship and vendor than these ~150 lines; SVG stays crisp at any pixel density.

const SVG_NS = "http://www.w3.org/2000/svg";
const MAX_POINTS = 400;                 // polylines are decimated to this many points
const PAD = { left: 40, right: 10, top: 10, bottom: 24 };

function el(name, attrs = {}, parent = null) {
  const node = document.createElementNS(SVG_NS, name);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  if (parent) parent.appendChild(node);
  return node;
}

function niceTicks(min, max, count) {
  const span = max - min || 1;
  const step0 = span / count;
  const magnitude = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= step0) || magnitude * 10;
  const ticks = [];
  for (let t = Math.ceil(min / step) * step; t <= max + 1e-9; t += step) ticks.push(+t.toFixed(10));
  return ticks;
}

function decimate(points) {
  if (points.length <= MAX_POINTS) return points;
  const stride = points.length / MAX_POINTS;
  const out = [];
  for (let i = 0; i < MAX_POINTS; i++) out.push(points[Math.floor(i * stride)]);
  out.push(points[points.length - 1]);
  return out;
}

// A line chart in an <svg viewBox="0 0 W H">. series: [{key, className, label}].
export class LineChart {
  constructor(svg, { series, yMin = null, yMax = null, minSpan = 0, tailFrom = 0, xLabel = "", yFormat = (v) => String(v), xFormat = (v) => String(v), markers = false }) {
    this.minSpan = minSpan;   // the y range never shrinks below this (one point must not fill the chart)
    // The top of the y range is the highest point past this fraction of the x drawn so far: a loss's first steep
    // fall leaves the chart at the top instead of flattening the rest of the run near 0.
    this.tailFrom = tailFrom;
    this.svg = svg;
    const box = svg.viewBox.baseVal;
    this.width = box.width;
    this.height = box.height;
    this.series = series;
    this.fixedY = [yMin, yMax];
    this.xLabel = xLabel;
    this.yFormat = yFormat;
    this.xFormat = xFormat;
    this.markers = markers;
    this.data = Object.fromEntries(series.map((s) => [s.key, []]));
    this.xMaxHint = 1;
    this.render();
  }

  clear(xMaxHint = 1) {
    for (const key of Object.keys(this.data)) this.data[key] = [];
    this.xMaxHint = xMaxHint;
    this.render();
  }

  add(key, x, y) {
    if (Number.isFinite(x) && Number.isFinite(y)) this.data[key].push([x, y]);
  }

  render() {
    const svg = this.svg;
    svg.replaceChildren();
    // Loops, not Math.max(...points): a long run has tens of thousands of batches.
    let xMax = this.xMaxHint, xLast = 0, lo = Infinity, hi = -Infinity;
    for (const points of Object.values(this.data)) {
      for (const [x, y] of points) { xMax = Math.max(xMax, x); xLast = Math.max(xLast, x); lo = Math.min(lo, y); }
    }
    const tail = this.tailFrom * xLast;
    for (const points of Object.values(this.data)) {
      for (const [x, y] of points) if (x >= tail) hi = Math.max(hi, y);
    }
    const empty = lo === Infinity;
    let yMin = this.fixedY[0] ?? (empty ? 0 : lo);
    let yMax = this.fixedY[1] ?? (empty ? 1 : hi);
    if (this.fixedY[0] === null && !empty) yMin = Math.max(0, yMin - 0.1 * (yMax - yMin));
    if (yMax - yMin < this.minSpan) yMin = Math.max(0, yMax - this.minSpan);
    if (yMax - yMin < 1e-6) yMax = yMin + 1;
    const plotW = this.width - PAD.left - PAD.right;
    const plotH = this.height - PAD.top - PAD.bottom;
    const sx = (x) => PAD.left + (x / xMax) * plotW;
    const sy = (y) => PAD.top + (1 - (y - yMin) / (yMax - yMin)) * plotH;

    // Lines stay inside the plot: what lies above its top is cut off there.
    const clipId = `${svg.id}-plot`;
    el("rect", { x: PAD.left, y: PAD.top, width: plotW, height: plotH }, el("clipPath", { id: clipId }, el("defs", {}, svg)));
    const grid = el("g", { class: "chart-grid" }, svg);
    for (const t of niceTicks(yMin, yMax, 4)) {
      el("line", { x1: PAD.left, x2: this.width - PAD.right, y1: sy(t), y2: sy(t) }, grid);
      el("text", { x: PAD.left - 6, y: sy(t) + 4, "text-anchor": "end", class: "chart-tick" }, grid).textContent = this.yFormat(t);
    }
    for (const t of niceTicks(0, xMax, 5)) {
      el("text", { x: sx(t), y: this.height - 6, "text-anchor": "middle", class: "chart-tick" }, grid).textContent = this.xFormat(t);
    }
    // The x axis name sits in the free bottom-left corner, under the y tick labels.
    el("text", { x: PAD.left - 6, y: this.height - 6, "text-anchor": "end", class: "chart-axis-label" }, grid).textContent = this.xLabel;

    for (const s of this.series) {
      const points = decimate(this.data[s.key]);
      if (points.length === 0) continue;
      el("polyline", { class: `chart-line ${s.className}`, "clip-path": `url(#${clipId})`, points: points.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(" "), "vector-effect": "non-scaling-stroke" }, svg);
      if (this.markers) {
        for (const [x, y] of points) el("circle", { class: `chart-dot ${s.className}`, cx: sx(x), cy: sy(y), r: 2.5 }, svg);
      }
    }
  }
}

// Exponential moving average with bias correction (as TensorBoard smooths loss curves).
export class Smoother {
  constructor(weight = 0.95) { this.weight = weight; this.reset(); }
  reset() { this.value = 0; this.count = 0; }
  push(x) {
    this.count += 1;
    this.value = this.weight * this.value + (1 - this.weight) * x;
    return this.value / (1 - this.weight ** this.count);
  }
}
