// The site's one service worker (Workbox, self-hosted in workbox/), with two jobs:
// 1. Offline: it precaches the app shell of this build (the list the build writes in place of
//    Workbox manifest below: every file with a revision hash; buildlib/offline.py) and serves it cache first;
//    training shards are cached the first time a run downloads them. A new build changes this file, so
//    the browser installs it; Workbox fetches only the changed files and drops the old ones.
// 2. Cross-origin isolation on hosts that cannot send headers (GitHub Pages): every same-origin response,
//    cached or not, gets the two headers buildlib/serve.py sends itself. Isolation gives the page shared
//    memory between workers, which two cores need; web/js/isolation.js reloads the page once under it.

importScripts("workbox/workbox-core.prod.js", "workbox/workbox-routing.prod.js",
  "workbox/workbox-strategies.prod.js", "workbox/workbox-precaching.prod.js");

const { core, precaching, routing, strategies } = self.workbox;
const ISOLATION = { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp" };
const SHARD_CACHE = self.__SHARD_CACHE;  // named by the shards' hashes: kept across builds until they change

// The response with the isolation headers added.
function isolated(response) {
  if (!response || response.type === "opaque" || response.status === 0) return response;
  const headers = new Headers(response.headers);
  for (const [name, value] of Object.entries(ISOLATION)) headers.set(name, value);
  // fetch() has already decoded a gzip body: the new response must not claim it is still encoded.
  if (headers.has("Content-Encoding")) {
    headers.delete("Content-Encoding");
    headers.delete("Content-Length");
  }
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

// A Workbox plugin: responses from the network and from the caches both leave isolated.
const isolation = {
  fetchDidSucceed: async ({ response }) => isolated(response),
  cachedResponseWillBeUsed: async ({ cachedResponse }) => isolated(cachedResponse),
};

self.addEventListener("install", () => self.skipWaiting());  // a new build takes over at once; the page says so
core.clientsClaim();

precaching.addPlugins([isolation]);
precaching.precacheAndRoute(self.__WB_MANIFEST);
precaching.cleanupOutdatedCaches();

const sameOrigin = ({ url, request }) => url.origin === self.location.origin
  && !(request.cache === "only-if-cached" && request.mode !== "same-origin");

routing.registerRoute(({ url, request }) => sameOrigin({ url, request }) && /\/data\/[^/]+\.bin\.gz$/.test(url.pathname),
  new strategies.CacheFirst({ cacheName: SHARD_CACHE, plugins: [isolation] }));
routing.registerRoute(sameOrigin, new strategies.NetworkOnly({ plugins: [isolation] }));

// Caches of earlier builds' shards (a changed shard set has a new name) are removed once this one is active.
self.addEventListener("activate", (event) => event.waitUntil(caches.keys().then((names) => Promise.all(
  names.filter((name) => name.startsWith("mnist-shards-") && name !== SHARD_CACHE).map((name) => caches.delete(name))))));
