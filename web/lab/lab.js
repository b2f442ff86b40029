// The lab page around PyScript's py-editor cells: "Run all", "Restore" per cell, and pictures drawn from
// the cells' printed output. It runs before PyScript reads the cells (lab.html loads it first), so the
// original code it keeps is the built page's.

const CELLS = 'script[type^="py-editor"][env="lab"]';
const IMAGES_MARK = "#lab-images ";  // the setup cell's show_images() prints this, then JSON
const status = document.getElementById("lab-status");
const runAll = document.getElementById("run-all");

const originals = new Map();  // data-cell -> the cell's code as built
for (const script of document.querySelectorAll(CELLS)) {
  if (script.hasAttribute("setup")) {
    // A cell's Python runs in a worker started from a blob: URL, where relative URLs mean nothing:
    // it fetches the site's files by this absolute folder URL.
    script.textContent = `SITE_URL = ${JSON.stringify(new URL(".", location.href).href)}\n` + script.textContent;
  } else {
    originals.set(script.dataset.cell, script.textContent.trim());
  }
}

const codeCells = () => [...document.querySelectorAll(CELLS)].filter((s) => !s.hasAttribute("setup"));
const runButton = (script) => script.target?.querySelector(".py-editor-run-button");
const output = (script) => script.target?.querySelector(".py-editor-output");
const failed = (script) => !!output(script)?.querySelector("span");  // PyScript writes stderr in red spans

// PyScript signals each cell it has set up (the setup cell once Python, numpy and files are ready) with a
// "py-editor" event on its script; a Stop replaces the scripts, and the new ones signal again.
document.addEventListener("py-editor", (event) => {
  const script = event.target;
  if (script.hasAttribute("setup")) return;
  decorate(script);
  if (codeCells().every((cell) => runButton(cell))) ready();
}, true);

function ready() {
  if (!document.body.dataset.readyMs) {  // the first time only: the time to the first runnable cell
    document.body.dataset.readyMs = String(Math.round(performance.now()));
  }
  document.body.dataset.lab = "ready";
  runAll.disabled = false;
  status.textContent = "Python is ready.";
}

function decorate(script) {
  const target = script.target;
  if (!target || target.querySelector(".lab-tools")) return;
  const tools = document.createElement("div");
  tools.className = "lab-tools";
  const origin = document.createElement("span");
  origin.className = "lab-origin";
  origin.textContent = script.dataset.shows || "";  // the build names the library code a cell shows
  tools.append(origin);
  const restore = document.createElement("button");
  restore.type = "button";
  restore.className = "lab-restore";
  restore.textContent = "Restore";
  restore.title = "Put this cell's original code back";
  restore.addEventListener("click", () => { script.code = originals.get(script.dataset.cell); });
  tools.append(restore);
  const figures = document.createElement("div");
  figures.className = "lab-figures";
  target.prepend(tools);
  target.append(figures);
  new MutationObserver(() => {
    untag(output(script));
    takeImages(output(script), figures);
  }).observe(output(script), { childList: true, subtree: true, characterData: true });
}

// PyScript inserts stderr as HTML, so a traceback's `File "<string>", line 5, in <module>` loses its
// <string> and <module> to the parser as elements; put them back as the text they were.
function untag(out) {
  for (const element of out?.querySelectorAll("span *") ?? []) {
    element.replaceWith(`<${element.localName}>`, ...element.childNodes);
  }
}

// A run clears the cell's text output (PyScript) and its pictures (here). A Stop that was confirmed has
// removed the cells by the time the click is handled: Python restarts, and "ready" comes again.
document.addEventListener("click", (event) => {
  const button = event.target.closest?.(".py-editor-run-button");
  if (!button) return;
  if (!button.classList.contains("running")) {
    button.closest("py-editor")?.querySelector(".lab-figures")?.replaceChildren();
    return;
  }
  setTimeout(() => {
    if (button.isConnected) return;  // the Stop was cancelled
    document.body.dataset.lab = "loading";
    runAll.disabled = true;
    status.textContent = "Restarting Python… then run the cells above the one you stopped again.";
  });
}, true);

// PyScript appends printed lines as text nodes; a line carrying pictures is replaced by the pictures,
// drawn under the cell's output (outside it: PyScript rewrites the output's text on every print).
function takeImages(out, figures) {
  if (!out || !out.textContent.includes(IMAGES_MARK)) return;
  for (const node of [...out.childNodes]) {
    if (node.nodeType !== Node.TEXT_NODE || !node.data.startsWith(IMAGES_MARK)) continue;
    const next = node.nextSibling;
    if (next?.nodeName === "BR") next.remove();
    node.remove();
    try {
      figures.append(picturesFrom(JSON.parse(node.data.slice(IMAGES_MARK.length))));
    } catch (error) {
      out.append(`(could not draw the pictures: ${error.message})\n`);
    }
  }
}

function picturesFrom({ side, pixels, captions }) {
  const bytes = Uint8Array.from(atob(pixels), (c) => c.charCodeAt(0));
  const count = bytes.length / (side * side);
  const grid = document.createElement("div");
  grid.className = "lab-grid";
  for (let i = 0; i < count; i++) {
    const figure = document.createElement("figure");
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = side;
    const image = new ImageData(side, side);
    for (let p = 0; p < side * side; p++) {
      const v = bytes[i * side * side + p];
      image.data.set([v, v, v, 255], p * 4);
    }
    canvas.getContext("2d").putImageData(image, 0, 0);
    figure.append(canvas);
    if (captions[i] !== undefined) {
      const caption = document.createElement("figcaption");
      caption.textContent = captions[i];
      figure.append(caption);
    }
    grid.append(figure);
  }
  return grid;
}

// Run all: press each cell's Run button in order, waiting for PyScript's "py-editor:done"; stop at a
// cell that failed, or when a Stop restarted Python (its script is then gone from the page).
function finished(script) {
  return new Promise((resolve) => {
    const timer = setInterval(() => { if (!script.isConnected) done(false); }, 250);
    const done = (ok) => { clearInterval(timer); script.removeEventListener("py-editor:done", onDone); resolve(ok); };
    const onDone = () => done(true);
    script.addEventListener("py-editor:done", onDone);
  });
}

runAll.addEventListener("click", async () => {
  runAll.disabled = true;
  document.body.dataset.running = "all";
  const cells = codeCells();
  let stoppedAt = null;
  for (const [i, script] of cells.entries()) {
    status.textContent = `Running cell ${i + 1} of ${cells.length}…`;
    if (!runButton(script)) { stoppedAt = i + 1; break; }  // Python is restarting
    const doneRunning = finished(script);
    runButton(script).click();
    if (!(await doneRunning) || failed(script)) { stoppedAt = i + 1; break; }
  }
  status.textContent = stoppedAt ? `Run all stopped at cell ${stoppedAt}.` : "All cells ran.";
  delete document.body.dataset.running;
  runAll.disabled = false;
});
