// "Teach it your handwriting", under the prediction: one tap (or a digit key) says what the drawing really
// was and adds it, as the network saw it, to your digits; "Learn my handwriting" fine-tunes the active
// model on them in the worker (mlp_core.finetune) and reports before/after. Your digits live in IndexedDB.
// States (#teach[data-state]): idle, learning (its steps, then the tuned model's recalibration: Stop drops it),
// measuring (the tuned model answers, its MNIST test measure runs), done (the whole report is in), error. Once you have a digit, the worker loads the fine-tuning's
// data ahead of the click (#teach[data-prepared]: none, loading, ready, or failed: a download failed or training was
// running, and the click loads what it needs itself, as it always could).

import * as savedDigits from "../saved-digits.js";
import { padKeys } from "./focus.js";
import { formatBytes, percent } from "./format.js";
import { modelName } from "../model-name.js";
import { showSeen } from "./pictures.js";

const PIXELS = 784;

// Your digits as the protocol sends them: Uint8Array(N*784) and Uint8Array(N).
function pack(digits) {
  const images = new Uint8Array(digits.length * PIXELS);
  digits.forEach((d, i) => images.set(d.image, i * PIXELS));
  return { images, labels: Uint8Array.from(digits, (d) => d.label) };
}

function unpack(images, labels) {
  return Array.from(labels, (label, i) => ({ image: images.slice(i * PIXELS, (i + 1) * PIXELS), label }));
}

// "3 of 4": an accuracy on `n` digits (a handful: a percentage would only restate it).
const onDigits = (acc, n) => (typeof acc === "number" ? `${Math.round(acc * n)} of ${n}` : "–");
const digitsWord = (n) => `${n} digit${n === 1 ? "" : "s"}`;
const ordinal = (n) => `${n}${n % 10 === 1 && n !== 11 ? "st" : n % 10 === 2 && n !== 12 ? "nd" : n % 10 === 3 && n !== 13 ? "rd" : "th"}`;
// A kept digit's identity: its label and its pixels (an upload of digits already kept adds none of them twice).
const identity = (d) => `${d.label}:${d.image.join(",")}`;

// Learning, or measuring what was learned: the card's buttons wait, and so does Train (the worker runs one thing at a time).
export const busy = (state) => state === "learning" || state === "measuring";

export function mountTeach({ store, client, say: sayOnPage, setModel, saveInBrowser, clearPad }) {
  const $ = (selector) => document.querySelector(selector);
  const ui = { teach: $("#teach"), digits: $("#teach-digits"), gallery: $("#teach-gallery"), learn: $("#teach-learn"),
    stop: $("#teach-stop"), progress: $("#teach-progress"), report: $("#teach-report"), download: $("#teach-download"),
    upload: $("#teach-upload"), title: $("#teach-count"), status: $("#teach-status"), pad: $("#pad"), firm: $("#teach-firm") };
  // Said in the page's message bar and again here, by the buttons: scrolled down to them, the bar is out of sight.
  function say(text, kind = "info") {
    sayOnPage(text, kind);
    ui.status.textContent = text;
    ui.status.dataset.kind = kind;
  }
  let nextId = 1;  // gallery items' ids, for removal
  const teach = () => store.state.teach;
  const setTeach = (changes) => store.update({ teach: { ...teach(), ...changes } });
  // The answering model's own report (a tuned one keeps it): shown again when a run ends without a new model.
  const modelReport = () => store.state.model?.report ?? null;
  const withIds = (digits) => digits.map((d) => ({ ...d, id: nextId++ }));

  function keep(digits) {
    setTeach({ digits });
    savedDigits.saveDigits(digits).catch((error) => say(`Could not keep your digits in this browser: ${error.message}`, "error"));
  }

  function add(label) {
    const p = store.state.prediction;
    if (busy(teach().state)) return say("Learning your digits: add more once it is done.");
    if (!p) return say("Draw a digit first, then tap what it really is.");
    if (teach().digits.length >= store.state.form.limits.digits) return say(`You have ${teach().digits.length} digits, the most this page keeps. Remove some first.`, "error");
    const image = Uint8Array.from(p.image, (v) => Math.round(255 * v));
    keep([...teach().digits, ...withIds([{ image, label }])]);
    clearPad();
    const read = p.unsure ? `the page was unsure; closest ${p.digit}` : p.digit === label ? "read correctly" : `it was read as ${p.digit}`;
    say(`Kept your ${label} (${read}).`);
  }

  ui.digits.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-digit]");
    if (!button || button.disabled) return;
    add(Number(button.dataset.digit));
    ui.pad.focus({ preventScroll: true });  // the pad is cleared and the buttons wait for a drawing: draw (or type) on
  });
  document.addEventListener("keydown", (event) => {
    if (!padKeys(event) || event.ctrlKey || event.metaKey || event.altKey || !/^[0-9]$/.test(event.key)) return;
    if (store.state.prediction) { event.preventDefault(); add(Number(event.key)); }
  });
  ui.gallery.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-remove]");
    if (!button || busy(teach().state)) return;
    const at = [...ui.gallery.querySelectorAll("button[data-remove]")].indexOf(button);
    keep(teach().digits.filter((d) => d.id !== Number(button.dataset.remove)));
    // Its button is gone with it: the keyboard goes on to the next one's (or the one before, or the pad), not to the top.
    const left = ui.gallery.querySelectorAll("button[data-remove]");
    (left[Math.min(at, left.length - 1)] || ui.pad).focus();
  });

  ui.learn.addEventListener("click", async () => {
    if (busy(teach().state) || !teach().digits.length) return;
    setTeach({ state: "learning", phase: "steps", step: 0, steps: 0, report: null });
    try {
      // mlp_core.finetune.STRENGTHS: "firm" reads your other shapes better at more of MNIST's cost
      await client.request("finetune", { ...pack(teach().digits), strength: ui.firm.checked ? "firm" : "gentle" });
      say(`Learning your ${teach().digits.length} digits${ui.firm.checked ? " firmly" : ""}…`);
    } catch (error) {
      setTeach({ state: "error" });
      if (store.state.worker === "ok") say(`Could not learn your digits: ${error.message}`, "error");
    }
  });
  ui.stop.addEventListener("click", () => client.request("stop").catch(() => {}));
  // What the choice means, said by the buttons when it is made (the row has no room for it).
  ui.firm.addEventListener("change", () => say(ui.firm.checked
    ? "Firmly: it follows your digits even where they look like another MNIST digit (a flagged 1 like a 7). It may read your other drawings of them better; it takes longer and costs more MNIST accuracy."
    : "Gently: it learns your digits and holds MNIST accuracy, usually within a few tenths of a point (more is lost where your digits look like another MNIST digit, as a flat-topped 1 like a 7)."));

  ui.download.addEventListener("click", async () => {
    try {
      const reply = await client.request("export_digits", pack(teach().digits));
      const blob = new Blob([reply.bytes], { type: "application/octet-stream" });
      const link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = "my-digits.npz";
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
      say(`Downloaded your ${teach().digits.length} digits as ${link.download} (${formatBytes(blob.size)}).`);
    } catch (error) {
      say(`Could not download your digits: ${error.message}`, "error");
    }
  });

  ui.upload.addEventListener("change", async () => {
    const file = ui.upload.files[0];
    ui.upload.value = "";
    if (!file) return;
    const { digits_bytes: maxBytes, digits: maxDigits } = store.state.form.limits;  // mlp_core.digitsio's limits
    if (file.size > maxBytes) return say(`${file.name} is ${formatBytes(file.size)}; digits files are at most ${formatBytes(maxBytes)}. Nothing changed.`, "error");
    say(`Reading ${file.name}…`);  // Python may be busy a few seconds (a model's MNIST measure): say it was heard
    try {
      const reply = await client.request("import_digits", { bytes: await file.arrayBuffer(), name: file.name });
      const known = new Set(teach().digits.map(identity));
      const inFile = unpack(reply.images, reply.labels);
      const added = [];
      for (const d of inFile) {
        const key = identity(d);
        if (!known.has(key)) { known.add(key); added.push(d); }
      }
      if (teach().digits.length + added.length > maxDigits) throw new Error(`with these you would have over ${maxDigits} digits; remove some first`);
      keep([...teach().digits, ...withIds(added)]);
      const skipped = inFile.length - added.length;
      say(`Added ${digitsWord(added.length)} from ${file.name}` + (skipped ? `; ${skipped} of its digits you had already were left out.` : "."));
    } catch (error) {
      say(`${file.name} was not loaded: ${error.message}. Your digits are unchanged.`, "error");
    }
  });

  let before = null;  // the model that answered before the tuned one, {label, bytes}, while it is measured

  function onEvent(message) {
    if (message.event === "tune_progress") return onProgress(message);
    if (message.event === "error") {
      setTeach({ state: "error", report: teach().report ?? modelReport() });
      return say(`Learning your digits failed: ${message.message}`, "error");
    }
    if (message.event === "tune_measured") return onMeasured(message);
    if (message.stopped) {
      // A Stop sent while the card said "learning" can reach the worker once the tuned model answers: the one before is back.
      if (teach().state === "measuring" && before) setModel(message.model, before.label, before.bytes);
      before = null;
      setTeach({ state: "idle", step: 0, report: modelReport() });
      return say("Stopped: the model is unchanged.");
    }
    // The tuned model answers now; no bytes yet (a restart meanwhile brings back the pretrained model).
    before = { label: store.state.modelLabel, bytes: store.state.modelBytes };
    setTeach({ state: "measuring", report: message });
    setModel(message.model, modelName(message.model), null);
    showReport();
    say("The tuned model answers the pad now. Measuring it on MNIST test, then keeping it in this browser…");
  }

  // The steps, then the tuned model's recalibration: the bar shows each in turn, and the card says which it is in.
  function onProgress(message) {
    const turned = message.phase !== teach().phase;
    setTeach({ phase: message.phase, step: message.step, steps: message.steps });
    if (turned && message.phase === "calibrate") say("Learned. Checking how sure it should be of its answers…");
  }

  // The outcome in sight (it may lie under the window's foot), unless a stroke is being drawn on the pad.
  function showReport() {
    if (!ui.pad.matches(":active")) ui.report.scrollIntoView({ block: "nearest" });
  }

  function onMeasured(message) {
    before = null;
    const done = teach().report || {};  // tune_done's fields
    const report = { ...done, mnist_after: message.mnist_after, mnist_lost: message.mnist_lost, phases: { ...done.phases, ...message.phases } };
    setModel(message.model, modelName(message.model), message.model_bytes);  // first: while measuring, the new model's kept report waits
    setTeach({ state: "done", report });
    showReport();
    // Said once the model is kept (saveInBrowser resolves with the record's key, or undefined once it said why not).
    saveInBrowser(message.model_bytes, "Learned your digits, but could not save the model in this browser")
      .then((key) => key !== undefined && say("Learned your handwriting: the tuned model answers the pad, and is kept in this browser."));
  }

  function drawGallery(digits) {
    ui.gallery.replaceChildren(...digits.map((d) => {
      const item = document.createElement("li");
      item.className = "teach-item";
      item.dataset.label = String(d.label);
      const canvas = document.createElement("canvas");
      canvas.width = canvas.height = 28;
      canvas.setAttribute("aria-hidden", "true");
      showSeen(canvas, Float32Array.from(d.image, (v) => v / 255));
      const label = document.createElement("span");
      label.textContent = String(d.label);
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "teach-remove";
      remove.dataset.remove = String(d.id);
      remove.textContent = "×";
      remove.setAttribute("aria-label", `Remove this ${d.label}`);
      item.append(canvas, label, remove);
      return item;
    }));
  }

  // What was learned and how it reads now: your digits it did not learn from (each digit's every nth is kept out to check
  // on), then MNIST test, where a small drop is what fitting one hand costs.
  function drawReport(r) {
    if (!r) return "";
    const nth = ordinal(store.state.form.limits.hold_out_every);
    const own = r.held_out ? `On the ${digitsWord(r.held_out)} kept out to check it (every ${nth} of each digit), it read `
      + `${onDigits(r.own_before, r.held_out)} right before and ${onDigits(r.own_after, r.held_out)} after.`
      : `To see how it reads digits it did not learn from, give one digit ${store.state.form.limits.hold_out_every} examples: the ${nth} is kept out to check it on.`;
    // What the drop is made of, when it is more than a stray image: the price of digits that look like another one.
    const lost = (r.mnist_lost || []).filter(([, , n]) => n >= 2)
      .map(([digit, read, n], i) => (i ? `${n} of its ${digit}s as ${read}` : `${n} of its ${digit}s now read as ${read}`));
    const after = typeof r.mnist_after === "number" ? `${percent(r.mnist_after)} after${lost.length ? ` (${lost.join(", ")})` : ""}.` : "measuring after…";
    // A digit learned from can still be misread (one example against thousands of MNIST's): said, not hidden.
    const read = typeof r.taught_read_after === "number"
      ? `: it reads ${onDigits(r.taught_read_after, r.taught)} as you labelled them (${onDigits(r.taught_read_before, r.taught)} before)` : "";
    return `Learned ${r.strength === "firm" ? "firmly " : ""}from ${r.taught} of your ${digitsWord(r.taught + r.held_out)} in ${r.seconds.toFixed(1)} s${read}. ${own} `
      + `MNIST test: ${percent(r.mnist_before)} before, ${after}`;
  }

  store.subscribe((state, previous) => {
    const t = state.teach;
    if (!previous || previous.teach.digits !== t.digits) {
      drawGallery(t.digits);
      ui.title.textContent = t.digits.length ? `Your digits (${t.digits.length})` : "Your digits: none yet";
    }
    // The report is the answering model's: a tuned one keeps its own (mlp_core.finetune.keep_report, checked by
    // kept_report), so a reload, a saved model picked again or a tuned file uploaded shows it, and any other model none.
    if (previous && previous.model !== state.model && !busy(t.state)) setTeach({ report: modelReport() });
    if (!previous || previous.teach.report !== t.report) ui.report.textContent = drawReport(t.report);
    ui.progress.value = t.steps ? t.step / t.steps : 0;
    const ready = state.ready && state.worker === "ok";
    const working = busy(t.state);
    for (const button of ui.digits.querySelectorAll("button")) button.disabled = !state.prediction || working;
    for (const button of ui.gallery.querySelectorAll("button[data-remove]")) button.disabled = working;
    ui.learn.disabled = !ready || working || state.phase !== "idle" || !t.digits.length;
    ui.firm.disabled = working;
    ui.stop.disabled = t.state !== "learning";  // it drops the run until the tuned model answers; the measure after changes nothing
    ui.download.disabled = !ready || !t.digits.length;
    ui.upload.disabled = !ready || working;
    ui.upload.nextElementSibling.classList.toggle("disabled", ui.upload.disabled);
    if (state.worker !== "ok" && t.prepared !== "none") setTeach({ prepared: "none" });  // a new worker has no data
    else if (working && state.worker === "dead") setTeach({ state: "error" });
    else if (ready && t.digits.length && t.prepared === "none" && state.phase === "idle" && !working) prepare();
  });

  // Load the fine-tuning's data in the worker now, so the click only learns; a failure is left to the click to report.
  function prepare() {
    setTeach({ prepared: "loading" });
    client.request("prepare_finetune")
      .then(({ ready }) => { if (teach().prepared === "loading") setTeach({ prepared: ready ? "ready" : "failed" }); })
      .catch(() => { if (teach().prepared === "loading") setTeach({ prepared: "failed" }); });
  }

  savedDigits.loadDigits()
    .then((digits) => { if (digits.length) setTeach({ digits: withIds(digits) }); })
    .catch((error) => say(`Your digits could not be read from this browser (${error.message}).`));

  return { onEvent };
}
