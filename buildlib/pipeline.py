"""The build, step by step: fetch and verify, copy the pages, Pyodide, PyScript and the browser libraries,
fill the lab's cells, bundle mlp_core, pack MNIST, train (or reuse) the shipped model, make the icons and the
service worker's precache list, write build-info.json, swap the finished site into dist/."""

import json
import platform
import shutil
from pathlib import Path

from . import offline
from . import site as site_lib
from .fetch import fetch_all
from .lab import write_lab
from .model import pretrained_model
from .paths import WEB_DIR, cache_dir, dist_dir
from .pins import all_pins
from .shards import cached_shards, print_shards
from .sizes import format_report, size_report


def build(quick_model: bool = False) -> Path:
    cache, dist = cache_dir(), dist_dir()
    key = site_lib.inputs_key(quick_model)  # taken first: an edit made during the build leaves dist/ stale
    with site_lib.staged(dist) as stage:
        fetched = fetch_all(cache)
        import numpy  # only inside the project venv, which build.py ensures
        from mlp_core.data import MNIST_FILES, load_mnist

        site_lib.copy_page(stage)
        for relative, path in fetched.site_libraries.items():
            site_lib.copy_into(stage, relative, path)
        for name, path in fetched.pyodide_files.items():
            site_lib.copy_into(stage, f"pyodide/{name}", path)
        for wheel in [fetched.numpy_wheel, *fetched.pyscript_wheels]:
            site_lib.copy_into(stage, f"pyodide/{wheel.name}", wheel)
        for name, path in fetched.pyscript_files.items():
            site_lib.copy_into(stage, f"pyscript/{name}", path)
        write_lab(WEB_DIR, stage)
        bundled = site_lib.write_bundle(stage / "py" / "bundle.zip")

        mnist = load_mnist(fetched.mnist_dir)
        shutil.copytree(cached_shards(mnist, MNIST_FILES, cache), stage / "data")
        manifest = json.loads((stage / "data" / "manifest.json").read_text())
        print_shards(manifest)

        model = pretrained_model(mnist, MNIST_FILES, cache, quick=quick_model)
        site_lib.copy_into(stage, "model/pretrained.npz", model["path"])
        offline.write_icons(stage)
        precached = offline.write_service_worker(stage)  # last file of the site: it lists all the others

        report = size_report(stage)
        info = {
            "inputs_key": key,
            "built_with": {"python": platform.python_version(), "numpy": numpy.__version__},
            "pins": all_pins(),
            "mnist_sha256": MNIST_FILES,
            "bundle": bundled,
            "model": {name: value for name, value in model.items() if name != "path"},
            "precached": len(precached),
            "shards": {"count": len(manifest["shards"]), "bytes": sum(s["bytes"] for s in manifest["shards"])},
            "first_prediction_download": report,
        }
        (stage / "build-info.json").write_text(json.dumps(info, indent=1) + "\n")  # last: marks a finished build
    print(format_report(report))
    print(f"Pretrained model test accuracy: {model['test_accuracy']:.4f}"
          + ("  (QUICK model: not the shipped recipe)" if quick_model else ""))
    print(f"Pretrained model fingerprint (sha256 of its weights): {model['fingerprint']}")
    print(f"Site written to {dist}")
    return dist
