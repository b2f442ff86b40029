import { register } from "./offline.js";

// Cross-origin isolation where the host cannot send the headers (GitHub Pages): register coi-sw.js (the
// site's one service worker, see offline.js), which adds them to every response of this origin, and reload
// once so the page loads under it.
// Where it cannot work (no service workers, or the browser ignores the worker's headers) the page
// goes on without isolation, on one core; a session flag keeps it from reloading twice.

const RELOADED = "coi-reloaded";
const ACTIVATION_TIMEOUT_MS = 3000;

function flagged() {
  try { return sessionStorage.getItem(RELOADED) === "1"; } catch { return true; }  // no storage: never reload
}

// True when the page is about to reload (the caller should start nothing).
export async function reloadIsolated() {
  if (self.crossOriginIsolated || !self.isSecureContext || !("serviceWorker" in navigator)) return false;
  if (navigator.serviceWorker.controller || flagged()) return false;  // it tried already and isolation did not come
  try {
    // A browser may block service workers without saying so: then `ready` never comes.
    const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error("the service worker did not start")), ACTIVATION_TIMEOUT_MS));
    await Promise.race([
      register().then(() => navigator.serviceWorker.ready),
      timeout,
    ]);
    sessionStorage.setItem(RELOADED, "1");
  } catch (error) {
    console.warn(`No cross-origin isolation (training will use one core): ${error.message}`);
    return false;
  }
  location.reload();
  return true;
}
