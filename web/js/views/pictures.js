// Pictures of what Python computed: probability bars, the 28x28 input, the test grid, the confusion
// matrix and the first layer's weights. Pure DOM/canvas; no state beyond the elements.

import { probability } from "./format.js";

const SIDE = 28;

// Ten rows "digit | bar | percent", built once; each row carries data-digit and data-p.
export function buildBars(container) {
  container.replaceChildren();
  for (let d = 0; d < 10; d++) {
    const row = document.createElement("div");
    row.className = "bar-row";
    row.setAttribute("role", "listitem");
    row.dataset.digit = String(d);
    row.dataset.p = "";
    row.innerHTML = `<span class="bar-digit" aria-hidden="true">${d}</span><span class="bar-track"><span class="bar-fill"></span></span><span class="bar-value"></span>`;
    row.setAttribute("aria-label", `${d}: no prediction`);
    container.appendChild(row);
  }
}

export function showBars(container, probs, digit) {
  for (const row of container.children) {
    const d = Number(row.dataset.digit);
    const p = probs ? probs[d] : null;
    row.dataset.p = p === null ? "" : p.toFixed(4);
    row.classList.toggle("top", probs !== null && d === digit);
    row.querySelector(".bar-fill").style.width = p === null ? "0%" : `${(100 * p).toFixed(1)}%`;
    row.querySelector(".bar-value").textContent = p === null ? "" : probability(p);
    row.setAttribute("aria-label", p === null ? `${d}: no prediction` : `${d}: ${(100 * p).toFixed(1)} percent`);
  }
}

// Paint a 28x28 grey image (values in [0, 1] or 0..255) into a canvas at (x, y) with ink dark on light.
function paintDigit(ctx, values, offset, scale, x0, y0) {
  const image = ctx.createImageData(SIDE, SIDE);
  for (let i = 0; i < SIDE * SIDE; i++) {
    const v = Math.max(0, Math.min(1, values[offset + i] / scale));
    const shade = Math.round(255 - v * 226);   // 0 -> white, 1 -> near-black ink (#1d...)
    image.data.set([shade, shade, Math.min(255, shade + 16), 255], 4 * i);
  }
  ctx.putImageData(image, x0, y0);
}

export function showSeen(canvas, image) {
  const ctx = canvas.getContext("2d");
  if (!image) { ctx.clearRect(0, 0, SIDE, SIDE); return; }
  paintDigit(ctx, image, 0, 1, 0, 0);
}

// A grid of test digits, each a small canvas with "label → prediction"; mistakes get a red frame.
export function showTestGrid(container, { images, labels, preds, count }) {
  container.replaceChildren();
  for (let i = 0; i < count; i++) {
    const item = document.createElement("div");
    const wrong = labels[i] !== preds[i];
    item.className = wrong ? "test-item wrong" : "test-item";
    item.setAttribute("role", "listitem");
    item.setAttribute("aria-label", wrong ? `A ${labels[i]}, read as ${preds[i]}: mistake` : `A ${labels[i]}, read correctly`);
    const canvas = document.createElement("canvas");
    canvas.width = SIDE;
    canvas.height = SIDE;
    paintDigit(canvas.getContext("2d"), images, i * SIDE * SIDE, 255, 0, 0);
    const caption = document.createElement("span");
    caption.className = "test-caption";
    caption.textContent = wrong ? `${preds[i]} ✗` : String(preds[i]);
    item.append(canvas, caption);
    container.appendChild(item);
  }
}

// The 10x10 confusion matrix as a real table (readable by screen readers), shaded by row share.
export function showConfusion(container, confusion) {
  const table = document.createElement("table");
  table.className = "confusion-table";
  const head = table.createTHead().insertRow();
  head.appendChild(Object.assign(document.createElement("th"), { scope: "col", textContent: "true \\ pred" }));
  for (let p = 0; p < 10; p++) head.appendChild(Object.assign(document.createElement("th"), { scope: "col", textContent: String(p) }));
  const body = table.createTBody();
  for (let t = 0; t < 10; t++) {
    const row = body.insertRow();
    row.appendChild(Object.assign(document.createElement("th"), { scope: "row", textContent: String(t) }));
    let total = 0;
    for (let p = 0; p < 10; p++) total += confusion[t * 10 + p];
    for (let p = 0; p < 10; p++) {
      const n = confusion[t * 10 + p];
      const share = total ? n / total : 0;
      const cell = row.insertCell();
      cell.textContent = String(n);
      cell.className = t === p ? "diag" : n > 0 ? "off" : "zero";
      // Shade strength: the diagonal by its share, mistakes amplified so a few errors are visible.
      const alpha = t === p ? share : Math.min(1, share * 12);
      cell.style.setProperty("--shade", alpha.toFixed(3));
      if (alpha > 0.55) cell.classList.add("strong");
    }
  }
  container.replaceChildren(table);
}

// First-layer weights: one 28x28 tile per hidden unit, red for positive, blue for negative.
export function showWeights(container, weights, units) {
  const tiles = Math.min(units, weights.length / (SIDE * SIDE));
  const columns = Math.min(tiles, 16);
  const rows = Math.ceil(tiles / columns);
  const gap = 2;
  const canvas = document.createElement("canvas");
  canvas.width = columns * (SIDE + gap) - gap;
  canvas.height = rows * (SIDE + gap) - gap;
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", `Weights of ${tiles} first-layer neurons drawn as 28 by 28 images`);
  const ctx = canvas.getContext("2d");
  for (let u = 0; u < tiles; u++) {
    const offset = u * SIDE * SIDE;
    let limit = 1e-8;
    for (let i = 0; i < SIDE * SIDE; i++) limit = Math.max(limit, Math.abs(weights[offset + i]));
    const image = ctx.createImageData(SIDE, SIDE);
    for (let i = 0; i < SIDE * SIDE; i++) {
      const v = weights[offset + i] / limit;       // [-1, 1] per tile
      const a = Math.abs(v);
      const rgb = v >= 0
        ? [255, Math.round(255 - a * 190), Math.round(255 - a * 200)]
        : [Math.round(255 - a * 210), Math.round(255 - a * 140), 255];
      image.data.set([...rgb, 255], 4 * i);
    }
    ctx.putImageData(image, (u % columns) * (SIDE + gap), Math.floor(u / columns) * (SIDE + gap));
  }
  container.replaceChildren(canvas);
}
