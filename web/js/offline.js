// The page's side of the service worker (coi-sw.js): register it through workbox-window, and hear when
// this build is saved for offline use or when a newer build has taken over. One registration for both
// jobs of the worker (offline and cross-origin isolation, see isolation.js).

import { Workbox } from "../workbox/workbox-window.prod.mjs";

export const SERVICE_WORKER_URL = new URL("../coi-sw.js", import.meta.url).href;

export const serviceWorkersPossible = () => self.isSecureContext && "serviceWorker" in navigator;

const workbox = new Workbox(SERVICE_WORKER_URL, { scope: "./" });
let registered = null;

// Register (once) and return the registration; `immediate`: do not wait for the window's load event.
export function register() {
  registered ??= workbox.register({ immediate: true });
  return registered;
}

// Calls onSaved() once this build is precached and active, onUpdate() when a newer build becomes active
// while this page is open (the page's code stays the old one until a reload).
export async function keepOffline({ onSaved, onUpdate }) {
  if (!serviceWorkersPossible()) return false;
  workbox.addEventListener("activated", (event) => (event.isUpdate || event.isExternal ? onUpdate() : onSaved()));
  const registration = await register();
  // Already active and precached (a second visit): the "activated" event will not come for it.
  if (registration && registration.active && navigator.serviceWorker.controller) onSaved();
  return true;
}
