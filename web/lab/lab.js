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
    // it fetches the site's files by this absolute folder URL. Python keeps no text of code run as "<exec>":
    // the setup also gets its own code (its lines from line 2 on), for its helpers' frames to show their lines.
    const site = JSON.stringify(new URL(".", location.href).href);
    script.textContent = `SITE_URL, SETUP_CODE = ${site}, ${JSON.stringify(script.textContent)}\n` + script.textContent;
  } else {
    originals.set(script.dataset.cell, script.textContent.trim());
  }
}

const codeCells = () => [...document.querySelectorAll(CELLS)].filter((s) => !s.hasAttribute("setup"));
const runButton = (script) => script.target?.querySelector(".py-editor-run-button");
const output = (script) => script.target?.querySelector(".py-editor-output");
const failed = (script) => !!output(script)?.querySelector("span");  // PyScript writes stderr in red spans
let restarted = false;  // a Stop restarted Python: the cells above the stopped one must run again
const ran = new WeakMap();  // script -> the codes it ran: Python may still run code the cell no longer shows

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
  // After a Stop the new Python has none of the earlier cells' names: the instruction stays on screen.
  status.textContent = restarted
    ? "Python is ready again: run the cells above the one you stopped, then go on."
    : "Python is ready.";
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
    explain(script);
    takeImages(output(script), figures);
  }).observe(output(script), { childList: true, subtree: true, characterData: true });
}

// PyScript inserts stderr as HTML. A traceback comes escaped (the setup cell's sys.excepthook), but other lines
// written to stderr do not, and a `<string>` or `<module>` in them is lost to the parser as an element; put them
// back as the text they were.
function untag(out) {
  for (const element of out?.querySelectorAll("span *:not(.lab-message)") ?? []) {
    element.replaceWith(`<${element.localName}>`, ...element.childNodes);
  }
}

// An exception reaches the output as Pyodide's whole traceback, which starts in Pyodide's own frames: keep only
// the frames of the user's code (files under /lib/ are Pyodide's, the standard library's and numpy's), name the
// section of each, put the message on lines of its own that wrap, and say which section above defines a name the
// cell could not find.
function explain(script) {
  for (const error of output(script)?.querySelectorAll("span:not([data-explained])") ?? []) {
    error.dataset.explained = "";  // set first: the edits below wake this observer again
    if (!error.textContent.includes("Traceback (most recent call last)")) continue;  // other stderr lines
    const lines = nameSections(userFrames(error.textContent)).trimEnd().split("\n");
    // The frames keep their lines (a ^^^ marks a place in the line above); the message after them wraps.
    const end = lines.findLastIndex((line) => line.startsWith(" ")) + 1;
    const message = document.createElement("span");
    message.className = "lab-message";
    message.textContent = lines.slice(end).join("\n");
    error.textContent = lines.slice(0, end).join("\n");  // the message is a block: it starts a line
    error.append(message);
    // ...and ends its line: the newline PyScript writes after an error would be an empty line under it.
    if (error.nextSibling?.nodeType === Node.TEXT_NODE && error.nextSibling.data === "\n") error.nextSibling.remove();
    const words = adviceFor(script, error.textContent);
    if (!words) continue;
    const advice = document.createElement("p");
    advice.className = "lab-advice";
    advice.append(...words);
    error.after(advice);
  }
}

// What to do about an error, in the page's words (strings and <code> elements), or null: which section defines a
// name the cell could not find; what numpy's message about a matrix product of the wrong sizes means.
function adviceFor(script, traceback) {
  const missing = traceback.match(/NameError: name '(\w+)' is not defined/)?.[1];
  const section = missing && definingSection(script, missing);
  if (section) return ["Run the cells above first (or Run all): ", codeOf(missing), ` is defined in section ${section}.`];
  const [, rows, columns] = traceback.match(/matmul: Input operand 1 has a mismatch in its core dimension 0.*\(size (\d+) is different from (\d+)\)/) ?? [];
  if (!rows) return null;
  return ["The sizes do not fit: in ", codeOf("x @ W"), ` each row of x has ${columns} numbers, but W has ${rows} rows, `
          + "one per input it expects. A layer's input size must be the number of values coming in: 784 pixels for the "
          + "first, the size of the layer before for the others."];
}

function codeOf(text) {
  const code = document.createElement("code");
  code.textContent = text;
  return code;
}

// Each run of a cell has its own file name ("cell run 12", the setup cell's _run_cell), under which Python shows
// a frame's line: the frame is in the cell that ran code with that line at that number (its code then, which it
// may no longer show).
function nameSections(traceback) {
  const lines = traceback.split("\n");
  return lines.map((line, i) => {
    const [, file, number] = line.match(/^ {2}File "(cell run \d+)", line (\d+)/) ?? [];
    const text = lines[i + 1]?.startsWith("    ") && lines[i + 1].trim();
    if (!file || !text) return line;
    const hasLine = (code) => code.split("\n")[number - 1]?.trim() === text;
    const cell = codeCells().find((other) => [...(ran.get(other) ?? [])].some(hasLine));
    const section = cell && sectionOf(cell);
    return section ? line.replace(file, `section ${section}`) : line;
  }).join("\n");
}

function sectionOf(cell) {
  return cell.closest("section")?.querySelector("h2")?.textContent.match(/^\d+/)?.[0];
}

function userFrames(traceback) {
  const kept = [];
  let internal = false;
  for (const line of traceback.replace(/^Error: (?=Traceback)/, "").split("\n")) {
    const file = line.match(/^ {2}File "([^"]*)"/)?.[1];
    if (file !== undefined) internal = file.startsWith("/lib/");
    else if (!line.startsWith("    ")) internal = false;  // a frame's own lines (source, ^^^) are indented deeper
    if (!internal) kept.push(line);
  }
  return kept.join("\n");
}

// The number of the nearest section above `script` whose cell's code (as edited now) defines `name` at top
// level: a def, a class or an assignment (also one of several names, `a, b = ...`).
function definingSection(script, name) {
  const defines = new RegExp(`^((async\\s+)?def|class)\\s+${name}\\b|^([\\w \\t,]*,\\s*)?${name}\\s*(,[\\w \\t,]*)?(:[^=\\n]*)?=(?!=)`, "m");
  const above = codeCells().slice(0, codeCells().indexOf(script)).reverse();
  const cell = above.find((other) => defines.test(other.code ?? other.textContent));
  return cell && sectionOf(cell);
}

// Shift+Enter or Ctrl/Cmd+Enter runs the cell the keys are pressed in, as its ▶ button does. The editor's own
// keymap puts its Enter bindings (insert a line) before its run binding, so this listener takes the keys first,
// in the capture phase on the document, before they reach the editor.
document.addEventListener("keydown", (event) => {
  if (event.key !== "Enter" || event.altKey || event.isComposing) return;
  if (!(event.shiftKey || event.ctrlKey || event.metaKey)) return;  // Enter alone: a new line
  const editor = event.target.closest?.("py-editor");
  const button = editor?.querySelector(".py-editor-run-button");
  if (!button || !editor.querySelector(".py-editor-input")?.contains(event.target)) return;
  event.preventDefault();
  event.stopPropagation();  // no new line from the editor
  // Pressing ▶ on a running cell would ask to stop it: the keys do not start it twice, nor stop it.
  if (!button.classList.contains("running")) button.click();
}, true);

// A run clears the cell's text output (PyScript) and its pictures (here), and its code is kept for nameSections.
// A Stop that was confirmed has removed the cells by the time the click is handled: Python restarts, and "ready"
// comes again.
document.addEventListener("click", (event) => {
  const button = event.target.closest?.(".py-editor-run-button");
  if (!button) return;
  if (!button.classList.contains("running")) {
    const editor = button.closest("py-editor");
    editor?.querySelector(".lab-figures")?.replaceChildren();
    const script = codeCells().find((cell) => cell.target === editor);
    if (script) ran.set(script, (ran.get(script) ?? new Set()).add(script.code));  // PyScript's listener runs it next
    return;
  }
  setTimeout(() => {
    if (button.isConnected) return;  // the Stop was cancelled
    document.body.dataset.lab = "loading";
    runAll.disabled = true;
    restarted = true;
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
