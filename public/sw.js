// Service worker: serves the app shell from a versioned cache so the app
// opens cold with no network once it has been loaded once.
//
// The build (scripts/sw-stamp, a Trunk post_build hook) replaces the
// version and file-list placeholders below with a hash of every built file and the
// list of those files, so each release is a byte-different worker: the browser
// installs it, it precaches the new shell in a new cache, and on activation the
// old caches are deleted. Shell files are served cache-first (consistent: the
// js glue and the wasm always come from the same build); navigations get the
// cached index.html (it is a single-page app); the API is never cached.
const VERSION = "__BUILD_VERSION__";
const CACHE = "shell-" + VERSION;
const PRECACHE = ["/", "__PRECACHE__"];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(PRECACHE.map((url) => new Request(url, { cache: "reload" }))))
      .then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("shell-") && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith("/api/")) return;
  if (request.mode === "navigate") {
    event.respondWith(
      caches.match("/index.html", { cacheName: CACHE }).then((hit) => hit || fetch(request))
    );
    return;
  }
  event.respondWith(caches.match(request, { cacheName: CACHE }).then((hit) => hit || fetch(request)));
});
