// A service worker that makes this origin cross-origin isolated on hosts that cannot send headers
// (GitHub Pages): it passes every request through and adds the two headers buildlib/serve.py sends
// itself. Isolation gives the page shared memory between workers, which training on two cores needs
// (docs/ARCHITECTURE.md, "Two cores"); web/js/isolation.js registers it and reloads the page once.
// It caches nothing: every response is the network's.

const ISOLATION = { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp" };

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("fetch", (event) => {
  const { request } = event;
  if (new URL(request.url).origin !== self.location.origin) return;  // the page loads nothing else (CSP)
  if (request.cache === "only-if-cached" && request.mode !== "same-origin") return;
  event.respondWith(fetch(request).then((response) => {
    if (response.type === "opaque" || response.status === 0) return response;
    const headers = new Headers(response.headers);
    for (const [name, value] of Object.entries(ISOLATION)) headers.set(name, value);
    // fetch() has already decoded a gzip body: the new response must not claim it is still encoded.
    if (headers.has("Content-Encoding")) {
      headers.delete("Content-Encoding");
      headers.delete("Content-Length");
    }
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  }));
});
