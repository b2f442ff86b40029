// The drawing pad: pointer events (mouse, touch, pen), smoothed strokes, crisp on high-DPI screens.
// It hands out the ink as the alpha channel at a fixed resolution, so Python sees the same
// numbers whatever the screen.

export const INK_SIZE = 280;            // the ink grid sent to Python (10x MNIST's 28)
const STROKE_FRACTION = 0.07;           // stroke width relative to the pad: MNIST strokes are ~2 px of 28
// The ink Python reads is drawn again from the strokes, its pen at most this share of the drawing's longest side
// (and no thinner than MIN_INK_FRACTION of the pad): drawn small, the pad's pen would fill a 5's bowl or a 7's hook.
const INK_PEN_SHARE = 0.25;
const MIN_INK_FRACTION = 0.0175;
const INK_COLOUR = "#1d2433";

export class Pad {
  constructor(canvas, { onChange }) {
    this.canvas = canvas;
    this.onChange = onChange;           // called (throttled by the caller) whenever the ink changes
    this.ctx = canvas.getContext("2d");
    this.strokes = [];                  // strokes as point lists in CSS pixels, replayed on resize
    this.current = null;
    this.scratch = new OffscreenCanvas(INK_SIZE, INK_SIZE);
    this.resize();
    new ResizeObserver(() => this.resize()).observe(canvas);
    canvas.addEventListener("pointerdown", (e) => this.down(e));
    canvas.addEventListener("pointermove", (e) => this.move(e));
    canvas.addEventListener("pointerup", (e) => this.up(e));
    canvas.addEventListener("pointercancel", (e) => this.up(e));
    canvas.addEventListener("lostpointercapture", (e) => this.up(e));
    // Focus given after a stroke shows no ring (components.css): a ring round the pad just drawn on looks like an error.
    for (const type of ["keydown", "blur"]) canvas.addEventListener(type, () => delete canvas.dataset.focusFrom);
  }

  get isEmpty() { return this.strokes.length === 0; }

  resize() {
    const rect = this.canvas.getBoundingClientRect();
    const dpr = window.devicePixelRatio || 1;
    const width = Math.max(1, Math.round(rect.width * dpr));
    if (this.canvas.width === width && this.canvas.height === width) return;
    this.canvas.width = width;
    this.canvas.height = width;
    this.redraw();
  }

  point(event) {
    const rect = this.canvas.getBoundingClientRect();
    // Coordinates in [0, 1] so strokes survive a resize of the pad.
    return { x: (event.clientX - rect.left) / rect.width, y: (event.clientY - rect.top) / rect.height };
  }

  down(event) {
    if (event.button !== 0 && event.pointerType === "mouse") return;
    event.preventDefault();  // no text selection, no scrolling, and so no focus change:
    if (document.activeElement !== this.canvas) document.activeElement?.blur();  // a form field keeps no keys meant for the drawing
    this.canvas.setPointerCapture(event.pointerId);
    this.current = { id: event.pointerId, points: [this.point(event)] };
    this.strokes.push(this.current.points);
    this.canvas.dataset.empty = "false";
    this.redraw();
    this.onChange();
  }

  move(event) {
    if (!this.current || event.pointerId !== this.current.id) return;
    event.preventDefault();
    const events = event.getCoalescedEvents ? event.getCoalescedEvents() : [event];
    for (const e of events.length ? events : [event]) this.current.points.push(this.point(e));
    this.redraw();
    this.onChange();
  }

  up(event) {
    if (!this.current || event.pointerId !== this.current.id) return;
    this.current = null;
    // down() kept the focus from moving: the keyboard goes on from the pad (Tab, Backspace), the page scrolled as it was.
    this.canvas.dataset.focusFrom = "pointer";
    this.canvas.focus({ preventScroll: true });
    this.onChange();
  }

  // Take back the last stroke (the one being drawn, if the pen is down).
  undo() {
    this.strokes.pop();
    this.current = null;
    this.canvas.dataset.empty = String(this.isEmpty);
    this.redraw();
    this.onChange();
  }

  // Strokes kept from before (as `strokes` holds them: points in pad fractions); anything else is ignored.
  restore(strokes) {
    const point = (q) => q && Number.isFinite(q.x) && Number.isFinite(q.y);
    if (!Array.isArray(strokes) || !strokes.every((s) => Array.isArray(s) && s.length && s.every(point))) return;
    this.strokes = strokes.map((s) => s.map(({ x, y }) => ({ x, y })));
    this.current = null;
    this.canvas.dataset.empty = String(this.isEmpty);
    this.redraw();
    this.onChange();
  }

  clear() {
    this.strokes = [];
    this.current = null;
    this.canvas.dataset.empty = "true";
    this.redraw();
  }

  // Draw every stroke as a curve through each of its samples (Catmull-Rom, as cubic Beziers): a corner drawn quickly
  // keeps its point, where curves through the samples' midpoints cut it (chosen on TUNE drawings: bench/reports/pad_path.md).
  drawStrokes(ctx, size, fraction = STROKE_FRACTION) {
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.lineWidth = fraction * size;
    ctx.strokeStyle = INK_COLOUR;
    ctx.fillStyle = INK_COLOUR;
    for (const points of this.strokes) {
      const p = points.map((q) => ({ x: q.x * size, y: q.y * size }));
      if (p.length === 1) {
        ctx.beginPath();
        ctx.arc(p[0].x, p[0].y, ctx.lineWidth / 2, 0, 2 * Math.PI);
        ctx.fill();
        continue;
      }
      ctx.beginPath();
      ctx.moveTo(p[0].x, p[0].y);
      for (let i = 0; i < p.length - 1; i++) {
        const [a, b, c, d] = [p[Math.max(i - 1, 0)], p[i], p[i + 1], p[Math.min(i + 2, p.length - 1)]];
        ctx.bezierCurveTo(b.x + (c.x - a.x) / 6, b.y + (c.y - a.y) / 6, c.x - (d.x - b.x) / 6, c.y - (d.y - b.y) / 6, c.x, c.y);
      }
      ctx.stroke();
    }
  }

  redraw() {
    const { ctx, canvas } = this;
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    this.drawStrokes(ctx, canvas.width);
  }

  // The pen of the ink Python reads, a share of the pad: the pad's own, or thinner for a small drawing.
  inkPen() {
    let [left, top, right, bottom] = [Infinity, Infinity, -Infinity, -Infinity];
    for (const points of this.strokes) {
      for (const q of points) {
        left = Math.min(left, q.x); right = Math.max(right, q.x);
        top = Math.min(top, q.y); bottom = Math.max(bottom, q.y);
      }
    }
    const longest = Math.max(right - left, bottom - top, 0);
    return Math.min(STROKE_FRACTION, Math.max(MIN_INK_FRACTION, INK_PEN_SHARE * longest));
  }

  // The ink as a Float32Array of INK_SIZE x INK_SIZE values in [0, 1] (1 = ink), from the alpha channel.
  ink() {
    const ctx = this.scratch.getContext("2d", { willReadFrequently: true });
    ctx.clearRect(0, 0, INK_SIZE, INK_SIZE);
    this.drawStrokes(ctx, INK_SIZE, this.inkPen());
    const rgba = ctx.getImageData(0, 0, INK_SIZE, INK_SIZE).data;
    const ink = new Float32Array(INK_SIZE * INK_SIZE);
    for (let i = 0; i < ink.length; i++) ink[i] = rgba[4 * i + 3] / 255;
    return ink;
  }
}
