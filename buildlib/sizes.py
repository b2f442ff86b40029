"""The size report: bytes a visitor downloads before the first prediction.

That is everything in the site except the lazily fetched data shards (data/), build-info.json and the lab page's
own files (lab.html, lab/, pyscript/ and the micropip + packaging wheels its PyScript installs numpy with):
the page (HTML, CSS, JS, the worker), Pyodide's core files, the numpy wheel, py/bundle.zip and
model/pretrained.npz. "gzip" is the file gzip-compressed at level 6, as a static host that compresses
on the fly sends it; "sent" is what this project's server (and GitHub Pages) puts on the wire:
gzip for the types it compresses, raw for the rest.
"""

import gzip
from pathlib import Path, PurePosixPath

from .pins import PYSCRIPT_WHEELS
from .serve import COMPRESSIBLE

LAB_ONLY = ("lab.html", "lab/", "pyscript/", *(f"pyodide/{PurePosixPath(m).name}" for m in PYSCRIPT_WHEELS["files"]))
NOT_BEFORE_FIRST_PREDICTION = ("data/", "build-info.json", *LAB_ONLY)


def first_prediction_files(site: Path) -> list:
    files = sorted(p for p in site.rglob("*") if p.is_file())
    return [p for p in files if not p.relative_to(site).as_posix().startswith(NOT_BEFORE_FIRST_PREDICTION)]


def size_report(site: Path) -> dict:
    rows = []
    for path in first_prediction_files(site):
        raw = path.read_bytes()
        gz = len(gzip.compress(raw, compresslevel=6, mtime=0))
        sent = gz if path.suffix.lower() in COMPRESSIBLE else len(raw)
        rows.append({"file": path.relative_to(site).as_posix(), "raw": len(raw), "gzip": gz, "sent": sent})
    return {
        "what": "bytes downloaded before the first prediction (data shards excluded)",
        "files": rows,
        "total_raw": sum(r["raw"] for r in rows),
        "total_gzip": sum(r["gzip"] for r in rows),
        "total_sent": sum(r["sent"] for r in rows),
    }


def format_report(report: dict) -> str:
    width = max([len(r["file"]) for r in report["files"]] + [5])
    lines = [f"Size report: {report['what']}",
             f"  {'file':<{width}} {'raw':>12} {'gzip':>12} {'sent':>12}"]
    for r in report["files"]:
        lines.append(f"  {r['file']:<{width}} {r['raw']:>12,} {r['gzip']:>12,} {r['sent']:>12,}")
    lines.append(f"  {'total':<{width}} {report['total_raw']:>12,} {report['total_gzip']:>12,} "
                 f"{report['total_sent']:>12,}")
    lines.append(f"  = {report['total_raw'] / 1e6:.2f} MB raw, {report['total_gzip'] / 1e6:.2f} MB gzip, "
                 f"{report['total_sent'] / 1e6:.2f} MB sent (gzip where the server compresses)")
    return "\n".join(lines)
