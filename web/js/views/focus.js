// Keyboard focus when a control disables itself (Train, Pause, Stop, Reset, Show test results, the file
// buttons): the browser drops focus to <body>, and a keyboard user would start again from the top.
// The focus goes to the control that naturally comes next once one is enabled (Train -> Pause,
// Pause/Stop -> Train, and the same between Learn my handwriting and its Stop), else back to the same control
// when it is enabled again.

// The pad's keys (Esc, Delete, Ctrl+Z, a digit) act with the keyboard on the draw card or on nothing. On another
// control they are that control's: a Delete on a model's Use button cleared the drawing unseen. Never in a field.
export function padKeys(event) {
  const at = event.target;
  if (at === document.body || at === document.documentElement) return true;
  return Boolean(at.closest && at.closest("#draw-card") && !at.closest("input, select, textarea, [contenteditable]"));
}

const NEXT = { train: ["pause", "stop"], pause: ["train"], stop: ["train"],
  "teach-learn": ["teach-stop"], "teach-stop": ["teach-learn"] };
// ":disabled" also holds for the inputs of a disabled fieldset (the form while training), unlike .disabled.
const disabled = (element) => element.matches(":disabled");

export function keepFocus(store) {
  let last = null;      // the control the keyboard was on
  let lost = null;      // that control, once it was disabled under the keyboard
  let pointing = false;  // the last input was a pointer: its focus is not the keyboard's to keep
  document.addEventListener("pointerdown", () => { pointing = true; }, true);
  document.addEventListener("keydown", () => {  // the keyboard acts on whatever has focus now
    pointing = false;
    if (document.activeElement && document.activeElement !== document.body) [last, lost] = [document.activeElement, null];
  }, true);
  document.addEventListener("focusin", (event) => {
    // A clicked button must not pull focus (and the page's scroll, mid-stroke on the pad) back to itself later.
    last = pointing ? null : event.target;
    lost = null;
  });
  const nowhere = () => document.activeElement === document.body || document.activeElement === null
    || document.activeElement === lost;
  // After each change of state, once every view has drawn it (they subscribe after this one).
  store.subscribe(() => queueMicrotask(() => {
    if (last && disabled(last) && (document.activeElement === last || nowhere())) lost = last;
    if (!lost || !nowhere()) return;
    const role = lost.closest("#settings") ? "train" : lost.id;  // Enter in a field of the form trains
    const candidates = [...(NEXT[role] || []).map((id) => document.getElementById(id)), lost];
    const next = candidates.find((element) => element && !disabled(element));
    if (next) next.focus();
  }));
}
