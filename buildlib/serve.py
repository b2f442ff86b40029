"""Serve dist/ the way a static host such as GitHub Pages does: right MIME types, gzip for text-like
types when the client accepts it (so "bytes transferred" in the browser is realistic), no-cache for HTML;
plus the cross-origin isolation headers GitHub Pages cannot send (see ISOLATION_HEADERS).
"""

import gzip
import io
import http.server
import re
import threading
from functools import partial
from pathlib import Path

MIME_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".wasm": "application/wasm",
    ".zip": "application/zip",
    ".whl": "application/zip",
    ".gz": "application/gzip",
    ".npz": "application/octet-stream",
    ".bin": "application/octet-stream",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".webmanifest": "application/manifest+json",
}
# Compressed on the wire, text and wasm as GitHub Pages does; zip, wheel, gzip and images already are
# compressed, and opaque binaries (.npz) are sent as they are.
COMPRESSIBLE = {".html", ".css", ".js", ".mjs", ".json", ".map", ".wasm", ".svg", ".txt", ".md", ".webmanifest"}
# Cross-origin isolation: shared memory (SharedArrayBuffer), which the page's second training worker
# needs, exists only in isolated pages. Sent on every response: a worker's own script needs them too.
ISOLATION_HEADERS = {"Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp"}
_CSP_META = re.compile(
    rb'<meta\s+http-equiv=["\']Content-Security-Policy["\']\s+content=(["\'])(.*?)\1', re.IGNORECASE | re.DOTALL)


class _GzipCache:
    """gzip bodies made once per file version (the 10 MB wasm takes about a second), shared by every
    server in the process; one entry per path, so a rebuilt file replaces its old entry."""

    def __init__(self):
        self._lock = threading.Lock()
        self._entries = {}  # path -> (size, mtime_ns, gzip body)

    def get(self, path: Path) -> bytes:
        stat = path.stat()
        version = (stat.st_size, stat.st_mtime_ns)
        with self._lock:
            entry = self._entries.get(str(path))
        if entry is not None and entry[:2] == version:
            return entry[2]
        body = gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)
        with self._lock:
            self._entries[str(path)] = (*version, body)
        return body


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the page loads a dozen files
    extensions_map = {"": "application/octet-stream", **MIME_TYPES}
    gzip_cache = _GzipCache()
    _page = None  # the HTML file being answered, for its extra headers
    _csp_source = None  # the HTML file whose CSP this response repeats
    isolation_headers = ISOLATION_HEADERS  # a subclass with none plays a host that cannot send them (tests)

    def send_head(self):
        path = Path(self.translate_path(self.path))
        if path.is_dir() and self.path.split("?")[0].endswith("/"):
            path = path / "index.html"
        self._page = path if path.suffix == ".html" and path.is_file() else None
        # A worker's policy comes from its own script's headers, not the page's <meta>: repeat the
        # page's CSP on scripts too (ignored for ordinary scripts, binding for js/worker.js).
        if self._page is not None:
            self._csp_source = self._page
        elif path.suffix in (".js", ".mjs"):
            self._csp_source = Path(self.directory) / "index.html"
        else:
            self._csp_source = None
        wants_gzip = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (path.is_file() and path.suffix.lower() in COMPRESSIBLE and wants_gzip):
            return super().send_head()  # plain bytes, directory redirects, 404s
        body = self.gzip_cache.get(path)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Vary", "Accept-Encoding")
        self.end_headers()
        return io.BytesIO(body)

    def end_headers(self):
        if self._page is not None:
            self.send_header("Cache-Control", "no-cache")  # a new build shows up on reload
            self._page = None
        if self._csp_source is not None and self._csp_source.is_file():
            csp = _page_csp(self._csp_source)
            if csp:
                self.send_header("Content-Security-Policy", csp)
            self._csp_source = None
        for name, value in self.isolation_headers.items():
            self.send_header(name, value)
        super().end_headers()

    def list_directory(self, path):
        self.send_error(404, "File not found")  # static hosts do not list folders
        return None

    def log_message(self, format, *args):  # quiet: errors only
        pass

    def log_error(self, format, *args):
        super().log_message(format, *args)


def _page_csp(path: Path):
    """The page's own <meta> CSP, repeated as a header (one source of truth: index.html)."""
    found = _CSP_META.search(path.read_bytes()[:65536])
    return found.group(2).decode() if found else None


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


def make_server(directory: Path, host: str = "127.0.0.1", port: int = 8000,
                handler: type = None) -> http.server.ThreadingHTTPServer:
    """Serve ``directory`` with SiteHandler, or a subclass of it (the browser benchmark adds pages)."""
    return _Server((host, port), partial(handler or SiteHandler, directory=str(directory)))


def serve_forever(directory: Path, host: str, port: int) -> None:
    try:
        server = make_server(directory, host, port)
    except OSError as error:
        from .errors import BuildError
        raise BuildError(f"cannot listen on {host}:{port}: {error.strerror}. Try another --port.") from None
    shown_host = f"[{host}]" if ":" in host else host
    print(f"Serving {directory} at http://{shown_host}:{server.server_address[1]}/  (Ctrl-C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("\nStopped.", flush=True)
    finally:
        server.server_close()
