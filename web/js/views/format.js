// Numbers as the page writes them.

export function formatBytes(n) {
  return n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${Math.max(1, Math.round(n / 1e3))} kB`;
}

// A probability as the page shows it: one decimal ("99.8%"), whole at either end ("100%", "0%"), the same in the
// bars and in the words beside them.
export function probability(p) {
  const text = (100 * p).toFixed(1);
  return `${text === "100.0" || text === "0.0" ? text.slice(0, -2) : text}%`;
}

export function percent(x) { return typeof x === "number" ? `${(100 * x).toFixed(2)}%` : "–"; }

export function formatDuration(seconds) {
  if (!Number.isFinite(seconds)) return "–";
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

export const count = (n) => n.toLocaleString("en-US");

// "Pretrained: 784-512-256-10 (99.1% test)": the active model as the header and messages name it, `label` its name
// (model-name.js, or yours).
export function describeModel(info, label) {
  if (!info) return "no model";
  const shape = info.sizes.join("-");
  const { test_accuracy: measured, claimed_test_accuracy: claimed } = info.metadata || {};
  // Measured here on MNIST test, or (an uploaded file, not measured yet) only what the file claims.
  const acc = typeof measured === "number" ? `${(100 * measured).toFixed(1)}% test`
    : typeof claimed === "number" ? `file claims ${(100 * claimed).toFixed(1)}%, not measured yet` : "";
  // A name that says its shape already ("Trained here: 784-100-10, 2 epochs") is not followed by it again.
  const more = [label.includes(shape) ? "" : shape, acc].filter(Boolean).join(", ");
  return more ? `${label} (${more})` : label;
}
