import { register } from "./offline.js";

// Cross-origin isolation where the host cannot send the headers (GitHub Pages): register coi-sw.js (the
// site's one service worker, see offline.js), which adds them to every response of this origin, and reload
// once so the page loads under it.
// Where it cannot work (no service workers, or the browser ignores the worker's headers) the page
// goes on without isolation, on one core; a session flag keeps it from reloading twice.

const RELOADED = "coi-reloaded";
const START_TIMEOUT_MS = 3000;     // a blocked service worker never registers: go on with one core
const INSTALL_TIMEOUT_MS = 60000;  // installing precaches this build's files, which the page loads next anyway

// `promise`, or an error saying `what` after `ms`.
const within = (promise, ms, what) => Promise.race([promise,
  new Promise((_, reject) => setTimeout(() => reject(new Error(what)), ms))]);

function flagged() {
  try { return sessionStorage.getItem(RELOADED) === "1"; } catch { return true; }  // no storage: never reload
}

// True when the page is about to reload (the caller should start nothing); `beforeReload` keeps what must outlive it.
export async function reloadIsolated(beforeReload = () => {}) {
  if (self.crossOriginIsolated || !self.isSecureContext || !("serviceWorker" in navigator)) return false;
  if (navigator.serviceWorker.controller || flagged()) return false;  // it tried already and isolation did not come
  try {
    // A browser may block service workers without saying so: then registration never comes.
    const registration = await within(register(), START_TIMEOUT_MS, "the service worker did not start");
    // Once registered, it activates after precaching: on a slow first visit that takes longer than starting.
    const installing = registration && (registration.installing || registration.waiting);
    await within(navigator.serviceWorker.ready, installing ? INSTALL_TIMEOUT_MS : START_TIMEOUT_MS,
      "the service worker did not activate");
    sessionStorage.setItem(RELOADED, "1");
  } catch (error) {
    console.warn(`No cross-origin isolation (training will use one core): ${error.message}`);
    return false;
  }
  beforeReload();
  location.reload();
  return true;
}
