"""What makes the site work offline and installable, written into the finished site at build time.

- `write_service_worker(site)`: fills coi-sw.js's `self.__WB_MANIFEST` with every file of the app shell
  (url + revision = its sha256), and `self.__SHARD_CACHE` with a cache name derived from the shards'
  hashes. Any changed file changes the worker's bytes, so the browser installs the new build, Workbox
  fetches only what changed and drops what is gone; shards survive a build unless they changed.
- `write_icons(site)`: the web app manifest's PNG icons, drawn here (the header's "7" mark), no tool needed.
"""

import hashlib
import json
import struct
import zlib
from pathlib import Path

from .errors import BuildError

SERVICE_WORKER = "coi-sw.js"
MANIFEST_PLACEHOLDER = "self.__WB_MANIFEST"
SHARD_CACHE_PLACEHOLDER = "self.__SHARD_CACHE"
# Not precached: the worker itself (the browser fetches it), the build report, and the training shards
# (cached when a run first downloads them, so a visit costs no 11 MB of data it may never use).
NOT_PRECACHED = {SERVICE_WORKER, "build-info.json"}
ICON_SIZES = (192, 512)
ICON_BACKGROUND = (0x1D, 0x24, 0x33)  # base.css --ink, like the header's mark
ICON_INK = (0xFF, 0xFF, 0xFF)


def _is_shard(relative: str) -> bool:
    return relative.startswith("data/") and relative.endswith(".bin.gz")


def precache_entries(site: Path) -> list:
    """[{url, revision}] for the app shell: every file of the site but the shards and NOT_PRECACHED."""
    entries = []
    for path in sorted(p for p in site.rglob("*") if p.is_file()):
        relative = path.relative_to(site).as_posix()
        if relative in NOT_PRECACHED or _is_shard(relative):
            continue
        entries.append({"url": relative, "revision": hashlib.sha256(path.read_bytes()).hexdigest()[:16]})
    return entries


def shard_cache_name(site: Path) -> str:
    manifest = json.loads((site / "data" / "manifest.json").read_text())
    digest = hashlib.sha256("".join(s["sha256"] for s in manifest["shards"]).encode()).hexdigest()[:12]
    return f"mnist-shards-{digest}"


def write_service_worker(site: Path) -> list:
    """Fill coi-sw.js's placeholders for this build; returns the precache entries."""
    worker = site / SERVICE_WORKER
    source = worker.read_text()
    for placeholder in (MANIFEST_PLACEHOLDER, SHARD_CACHE_PLACEHOLDER):
        if source.count(placeholder) != 1:
            raise BuildError(f"{worker} must use {placeholder} exactly once (the build fills it in)")
    entries = precache_entries(site)
    source = source.replace(MANIFEST_PLACEHOLDER, json.dumps(entries, separators=(",", ":")))
    worker.write_text(source.replace(SHARD_CACHE_PLACEHOLDER, json.dumps(shard_cache_name(site))))
    return entries


def _png(width: int, height: int, rows: list) -> bytes:
    """A truecolor PNG from rows of (r, g, b) tuples."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"".join(b"\0" + bytes(c for pixel in row for c in pixel) for row in rows)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def _seven(size: int) -> list:
    """A white "7" (a bar and a diagonal) on the header's dark square, inside the maskable safe zone."""
    stroke = size * 0.09
    top, left, right, bottom = size * 0.3, size * 0.32, size * 0.68, size * 0.72
    foot = size * 0.44  # x where the diagonal ends

    def ink(x: float, y: float) -> bool:
        if top <= y <= top + stroke and left <= x <= right:
            return True
        if not top <= y <= bottom:
            return False
        t = (y - top) / (bottom - top)  # the diagonal from the bar's right end down to the foot
        return abs(x - (right - stroke / 2 + t * (foot - right + stroke / 2))) <= stroke / 2

    return [[ICON_INK if ink(x + 0.5, y + 0.5) else ICON_BACKGROUND for x in range(size)] for y in range(size)]


def write_icons(site: Path) -> list:
    """icons/icon-<size>.png for the web app manifest; returns their site paths."""
    written = []
    for size in ICON_SIZES:
        target = site / "icons" / f"icon-{size}.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(_png(size, size, _seven(size)))
        written.append(target.relative_to(site).as_posix())
    return written
