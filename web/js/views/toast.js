// An error said while the message bar is scrolled out of sight (an upload's failure at the foot of the page, a
// form's refusal on a phone) is shown again at the bottom of the window, until the next message, a tap or 15 s; so is
// the word that another model answers the pad (Reset, Use in "Your models", an upload), the message's `notice`. Not
// the other messages: a run's own card shows its progress, and a copy of each would only flicker. The bar's live
// region has announced it already, so screen readers skip this copy.

const SHOWN_MS = 15000;

export function mountToast(store) {
  const bar = document.querySelector("#message");
  const toast = document.querySelector("#toast");
  let timer = null;
  const hide = () => { toast.hidden = true; clearTimeout(timer); };
  toast.addEventListener("click", hide);

  store.subscribe((state, previous) => {
    if (!previous || previous.message === state.message) return;
    const { text, kind, notice } = state.message;
    // After the card that said it has shown it by its own buttons too (the teach card does), if it has.
    queueMicrotask(() => {
      if (!notice || inSight(bar) || saidInSight(text)) return hide();
      toast.textContent = text;
      toast.dataset.kind = kind;
      toast.hidden = false;
      clearTimeout(timer);
      timer = setTimeout(hide, SHOWN_MS);
    });
  });
}

// Measured when the message comes, where the page is scrolled then.
function inSight(element) {
  const box = element.getBoundingClientRect();
  return box.bottom > 0 && box.top < window.innerHeight;
}

// Whether a card's own status line, in the window now, already shows this text.
function saidInSight(text) {
  return [...document.querySelectorAll("[data-echoes-message]")].some((line) => line.textContent === text && inSight(line));
}
