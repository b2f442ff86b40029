"""build.py: hash checks and atomic dist/, shard packing, the size report, and the static server.

Most tests run offline on small files they make. Those marked `mnist` read the real downloads that
`python3 build.py` (README's first command) leaves in the cache, and skip with the reason when absent.
"""

import gzip
import hashlib
import http.client
import json
import threading
import zipfile
from pathlib import Path, PurePosixPath

import numpy as np
import pytest

import build
from buildlib import site as site_lib
from buildlib.errors import BuildError, HashMismatch
from buildlib.fetch import fetch_all, verify
from buildlib.model import fingerprint
from buildlib.paths import cache_dir, dist_dir, mnist_dir
from buildlib.pins import MNIST, NUMPY_WASM, PYODIDE
from buildlib.serve import ISOLATION_HEADERS, make_server
from buildlib.shards import SHARD_SIZE, shard_plan, write_shards
from buildlib.sizes import format_report, size_report
from mlp_core.data import MNIST_FILES, decode_shard, load_mnist
from mlp_core.deskew import deskew
from mlp_core.trainer import pixel_counts
from mlp_core.modelio import load_model, save_model
from mlp_core.recipes import RECIPES
from mlp_core.trainer import Trainer

ROOT = Path(__file__).resolve().parent.parent
# Both read before any test points MLP_CACHE_DIR at a temporary folder.
REAL_CACHE = cache_dir()
REAL_MNIST_DIR = mnist_dir()
needs_real_mnist = pytest.mark.skipif(
    not all((REAL_MNIST_DIR / name).is_file() for name in MNIST_FILES),
    reason=f"real MNIST not in {REAL_MNIST_DIR}: run `python3 build.py fetch` first")


@pytest.fixture
def build_dirs(tmp_path, monkeypatch):
    """A private cache and dist/ for the build, with a previous good dist/ in place."""
    cache, dist = tmp_path / "cache", tmp_path / "site" / "dist"
    dist.mkdir(parents=True)
    (dist / "index.html").write_text("previous good build")
    monkeypatch.setenv("MLP_CACHE_DIR", str(cache))
    monkeypatch.setenv("MLP_DIST_DIR", str(dist))
    return cache, dist


def assert_previous_dist_untouched(dist: Path):
    assert (dist / "index.html").read_text() == "previous good build"
    assert sorted(p.name for p in dist.parent.iterdir()) == ["dist"], "a staging folder was left behind"


# --- fetching and verification ---------------------------------------------------------------------

def test_tampered_archive_fails_the_build_naming_file_and_hashes(build_dirs, capsys):
    cache, dist = build_dirs
    tampered = cache / "npm" / f"pyodide-{PYODIDE['version']}.tgz"
    tampered.parent.mkdir(parents=True)
    tampered.write_bytes(b"not the pyodide tarball")

    assert build.main(["build"]) == 1

    err = capsys.readouterr().err
    assert "sha256 mismatch" in err and str(tampered) in err
    assert PYODIDE["archive_sha256"] in err
    assert hashlib.sha256(b"not the pyodide tarball").hexdigest() in err
    assert_previous_dist_untouched(dist)


@needs_real_mnist
@pytest.mark.mnist
def test_tampered_extracted_mnist_file_is_caught(tmp_path, monkeypatch):
    """Archives fine, but one unpacked IDX file changed: fetch names it."""
    cache = tmp_path / "cache"
    for archive in (REAL_CACHE / "npm").glob("*.tgz"):
        (cache / "npm").mkdir(parents=True, exist_ok=True)
        (cache / "npm" / archive.name).symlink_to(archive)
    (cache / "npm" / f"pyodide-{PYODIDE['version']}").symlink_to(REAL_CACHE / "npm" / f"pyodide-{PYODIDE['version']}")
    (cache / "pip").symlink_to(REAL_CACHE / "pip")
    data = mnist_dir(cache)
    data.mkdir(parents=True)
    for name in MNIST_FILES:
        (data / name).symlink_to(REAL_MNIST_DIR / name)
    labels = data / "t10k-labels-idx1-ubyte"
    changed = bytearray((REAL_MNIST_DIR / labels.name).read_bytes())
    changed[-1] ^= 1
    labels.unlink()
    labels.write_bytes(bytes(changed))

    with pytest.raises(HashMismatch) as caught:
        fetch_all(cache)
    assert caught.value.path == labels
    assert caught.value.expected == MNIST_FILES[labels.name]
    assert caught.value.actual == hashlib.sha256(changed).hexdigest()


def test_verify_accepts_the_right_hash_and_rejects_others(tmp_path):
    path = tmp_path / "artifact"
    path.write_bytes(b"payload")
    right = hashlib.sha256(b"payload").hexdigest()
    assert verify(path, right) == path
    with pytest.raises(HashMismatch, match=right):
        verify(path, "0" * 64)
    with pytest.raises(BuildError, match="missing file"):
        verify(tmp_path / "absent", right)


def test_missing_npm_is_reported_clearly(build_dirs, tmp_path, monkeypatch, capsys):
    empty = tmp_path / "empty-path"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert build.main(["build"]) == 1
    assert "npm was not found on PATH" in capsys.readouterr().err
    assert_previous_dist_untouched(build_dirs[1])


def test_failed_download_is_reported_with_the_clients_message(build_dirs, tmp_path, monkeypatch, capsys):
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    npm = fake_bin / "npm"
    npm.write_text("#!/bin/sh\necho 'npm error 404 Not Found - pyodide' >&2\nexit 1\n")
    npm.chmod(0o755)
    monkeypatch.setenv("PATH", str(fake_bin))
    assert build.main(["fetch"]) == 1
    err = capsys.readouterr().err
    assert "download failed" in err and f"pyodide@{PYODIDE['version']}" in err and "404 Not Found" in err
    assert not (build_dirs[0] / "npm" / f"pyodide-{PYODIDE['version']}.tgz").exists()


# --- atomic dist/ ----------------------------------------------------------------------------------

def test_staged_build_replaces_dist_only_on_success(tmp_path):
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "old.txt").write_text("old")
    with pytest.raises(RuntimeError):
        with site_lib.staged(dist) as stage:
            (stage / "half.txt").write_text("half")
            raise RuntimeError("a step failed")
    assert sorted(p.name for p in dist.iterdir()) == ["old.txt"]

    with site_lib.staged(dist) as stage:
        (stage / "new.txt").write_text("new")
    assert sorted(p.name for p in dist.iterdir()) == ["new.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist"]


def test_staleness_follows_build_info(tmp_path):
    dist = tmp_path / "dist"
    assert "no finished build" in site_lib.staleness(dist, quick_model=False)
    dist.mkdir()
    (dist / "build-info.json").write_text(json.dumps({"inputs_key": site_lib.inputs_key(False)}))
    assert site_lib.staleness(dist, quick_model=False) is None
    assert site_lib.staleness(dist, quick_model=True) is not None  # a quick model is not the shipped one
    (dist / "build-info.json").write_text(json.dumps({"inputs_key": "something older"}))
    assert "changed" in site_lib.staleness(dist, quick_model=False)


def test_bundle_holds_mlp_core_and_worker_python_deterministically(tmp_path):
    names = site_lib.write_bundle(tmp_path / "a.zip")
    site_lib.write_bundle(tmp_path / "b.zip")
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()
    with zipfile.ZipFile(tmp_path / "a.zip") as bundle:
        assert bundle.namelist() == names
        for name in ("mlp_core/__init__.py", "mlp_core/data.py", "mlp_core/trainer.py"):
            assert bundle.read(name) == (ROOT / name).read_bytes()
        for worker_file in (ROOT / "web" / "py").glob("*.py"):
            assert bundle.read(worker_file.name) == worker_file.read_bytes()
        assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]


# --- shards ----------------------------------------------------------------------------------------

def test_shards_round_trip_in_order_with_a_partial_last_shard(tmp_path):
    rng = np.random.default_rng(0)
    mnist = {"train_x": rng.integers(0, 256, (11, 784), dtype=np.uint8),
             "train_y": rng.integers(0, 10, 11, dtype=np.uint8),
             "test_x": rng.integers(0, 256, (4, 784), dtype=np.uint8),
             "test_y": rng.integers(0, 10, 4, dtype=np.uint8)}
    manifest = write_shards(mnist, {"source": "hash"}, tmp_path / "a", shard_size=5)
    assert [(s["file"], s["start"], s["count"], s["upright"]) for s in manifest["shards"]] == [
        ("train-00.bin.gz", 0, 5, False), ("train-01.bin.gz", 5, 5, False), ("train-02.bin.gz", 10, 1, False),
        ("test-00.bin.gz", 0, 4, False),
        ("train-00.upright.bin.gz", 0, 5, True), ("train-01.upright.bin.gz", 5, 5, True),
        ("train-02.upright.bin.gz", 10, 1, True)]
    for split, upright in (("train", False), ("test", False), ("train", True)):
        entries = [s for s in manifest["shards"] if s["split"] == split and s["upright"] == upright]
        decoded = [decode_shard(gzip.decompress((tmp_path / "a" / s["file"]).read_bytes())) for s in entries]
        images = np.concatenate([images for images, _ in decoded])
        assert np.array_equal(images, deskew(mnist[f"{split}_x"]) if upright else mnist[f"{split}_x"])
        assert np.array_equal(np.concatenate([labels for _, labels in decoded]), mnist[f"{split}_y"])
        if split == "train":  # each shard's histogram; together, the whole set's
            counts = np.sum([s["pixel_counts"] for s in entries], axis=0)
            assert np.array_equal(counts, pixel_counts(images)) and counts.sum() == images.size
        else:
            assert not any("pixel_counts" in s for s in entries)
    write_shards(mnist, {"source": "hash"}, tmp_path / "b", shard_size=5)
    for entry in manifest["shards"]:  # deterministic bytes, recorded hash and size
        packed = (tmp_path / "a" / entry["file"]).read_bytes()
        assert packed == (tmp_path / "b" / entry["file"]).read_bytes()
        assert entry["sha256"] == hashlib.sha256(packed).hexdigest() and entry["bytes"] == len(packed)
    assert json.loads((tmp_path / "a" / "manifest.json").read_text()) == manifest


def test_full_plan_is_twelve_train_and_two_test_shards_then_twelve_deskewed():
    plan = shard_plan(60000, 10000)
    assert [p[0] for p in plan] == ([f"train-{i:02d}.bin.gz" for i in range(12)] + ["test-00.bin.gz", "test-01.bin.gz"]
                                    + [f"train-{i:02d}.upright.bin.gz" for i in range(12)])
    assert all(count == SHARD_SIZE for _, _, _, count, _ in plan)
    assert [start for _, split, start, _, _ in plan if split == "train"][-2:] == [50000, 55000]  # tutorial's validation


@needs_real_mnist
@pytest.mark.mnist
def test_built_shards_decode_to_the_idx_images_and_labels():
    shards = dist_dir() / "data"
    if not (shards / "manifest.json").is_file():
        pytest.skip(f"no {shards / 'manifest.json'}: run `python3 build.py` first")
    manifest = json.loads((shards / "manifest.json").read_text())
    mnist = load_mnist(REAL_MNIST_DIR)
    assert manifest["sources"] == MNIST_FILES
    assert manifest["tutorial_validation"] == {"split": "train", "start": 50000, "count": 10000}
    assert [s["file"] for s in manifest["shards"]] == [p[0] for p in shard_plan(60000, 10000)]
    for split, upright in (("train", False), ("test", False), ("train", True)):
        images, labels = [], []
        for entry in (s for s in manifest["shards"] if s["split"] == split and s["upright"] == upright):
            packed = (shards / entry["file"]).read_bytes()
            assert hashlib.sha256(packed).hexdigest() == entry["sha256"]
            shard_images, shard_labels = decode_shard(gzip.decompress(packed))
            assert len(shard_labels) == entry["count"] == SHARD_SIZE
            images.append(shard_images)
            labels.append(shard_labels)
        expected = deskew(mnist[f"{split}_x"]) if upright else mnist[f"{split}_x"]
        assert np.array_equal(np.concatenate(images), expected)
        assert np.array_equal(np.concatenate(labels), mnist[f"{split}_y"])
        if split == "train":
            assert labels[0][:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
        else:
            assert labels[0][:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]


# --- size report -----------------------------------------------------------------------------------

def make_site(root: Path) -> Path:
    files = {
        "index.html": b"<!doctype html><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'self'\">"
                      + b"<p>hello</p>" * 200,
        "js/worker.js": b"export const x = 1;\n" * 300,
        "pyodide/pyodide.mjs": b"export function loadPyodide() {}\n" * 100,
        "pyodide/pyodide.asm.wasm": b"\0asm\1\0\0\0" + bytes(range(256)) * 40,
        "model/pretrained.npz": np.random.default_rng(1).bytes(3000),
        "data/train-00.bin.gz": gzip.compress(b"shard" * 100, mtime=0),
        "data/manifest.json": b"{}",
        "build-info.json": b"{}",
    }
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return root


def test_size_report_lists_first_prediction_files_raw_and_gzip(tmp_path):
    site = make_site(tmp_path)
    report = size_report(site)
    rows = {r["file"]: r for r in report["files"]}
    assert sorted(rows) == ["index.html", "js/worker.js", "model/pretrained.npz", "pyodide/pyodide.asm.wasm",
                            "pyodide/pyodide.mjs"]
    for name, row in rows.items():
        raw = (site / name).read_bytes()
        assert row["raw"] == len(raw)
        assert row["gzip"] == len(gzip.compress(raw, compresslevel=6, mtime=0))
    assert rows["js/worker.js"]["sent"] == rows["js/worker.js"]["gzip"] < rows["js/worker.js"]["raw"]
    assert rows["model/pretrained.npz"]["sent"] == rows["model/pretrained.npz"]["raw"]
    assert report["total_raw"] == sum(r["raw"] for r in rows.values())
    assert report["total_gzip"] == sum(r["gzip"] for r in rows.values())
    text = format_report(report)
    assert all(name in text for name in rows) and "total" in text and "data/" not in text


def test_built_site_reports_its_download_size():
    info_path = dist_dir() / "build-info.json"
    if not info_path.is_file():
        pytest.skip(f"no {info_path}: run `python3 build.py` first")
    info = json.loads(info_path.read_text())
    files = [r["file"] for r in info["first_prediction_download"]["files"]]
    (numpy_wheel,) = (PurePosixPath(member).name for member in NUMPY_WASM["files"])  # the pinned wheel
    pyodide_core = [f"pyodide/{name}" for name in PYODIDE["files"]]
    for needed in ("index.html", "js/worker.js", *pyodide_core, f"pyodide/{numpy_wheel}", "py/bundle.zip",
                   "model/pretrained.npz"):
        assert needed in files
    assert not [f for f in files if f.startswith("data/")]
    assert 0 < info["model"]["test_accuracy"] <= 1
    assert info["model"]["fingerprint"] == fingerprint(load_model(dist_dir() / "model" / "pretrained.npz"))


def test_fingerprint_is_the_weights_not_the_file(synthetic_digits, tmp_path):
    """Two trainings of one recipe and seed give one fingerprint (the build is repeatable on a machine);
    another seed gives another; saving (zip timestamps, training times in the metadata) changes nothing."""
    images, labels = synthetic_digits
    recipe = RECIPES["fast"].replace(sizes=(784, 16, 10), epochs=1, train_eval_size=None)

    def trained(seed):
        trainer = Trainer(recipe.replace(seed=seed), images, labels)
        while not trainer.done:
            trainer.run()
        return trainer.model

    first = trained(0)
    assert fingerprint(first) == fingerprint(trained(0))
    assert fingerprint(first) != fingerprint(trained(1))
    save_model(first, tmp_path / "m.npz")
    assert fingerprint(load_model(tmp_path / "m.npz")) == fingerprint(first)


# --- serving ---------------------------------------------------------------------------------------

@pytest.fixture
def served_site(tmp_path):
    site = make_site(tmp_path)
    server = make_server(site, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield site, server.server_address[1]
    server.shutdown()
    server.server_close()


def fetch(port: int, path: str, gzip_ok: bool = False):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path, headers={"Accept-Encoding": "gzip"} if gzip_ok else {})
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response, body


@pytest.mark.parametrize("path, mime", [
    ("/index.html", "text/html"),
    ("/", "text/html"),
    ("/pyodide/pyodide.asm.wasm", "application/wasm"),
    ("/pyodide/pyodide.mjs", "text/javascript"),
    ("/js/worker.js", "text/javascript"),
    ("/data/manifest.json", "application/json"),
    ("/data/train-00.bin.gz", "application/gzip"),
])
def test_server_sends_the_right_mime_types(served_site, path, mime):
    site, port = served_site
    response, body = fetch(port, path)
    assert response.status == 200
    assert response.getheader("Content-Type").split(";")[0] == mime
    assert response.getheader("Content-Encoding") is None
    expected = site / (path.lstrip("/") or "index.html")
    assert body == expected.read_bytes()


@pytest.mark.parametrize("path", ["/index.html", "/pyodide/pyodide.asm.wasm", "/pyodide/pyodide.mjs"])
def test_server_gzips_compressible_files_when_asked(served_site, path):
    site, port = served_site
    response, body = fetch(port, path, gzip_ok=True)
    assert response.getheader("Content-Encoding") == "gzip"
    assert int(response.getheader("Content-Length")) == len(body)
    assert gzip.decompress(body) == (site / path.lstrip("/")).read_bytes()


def test_server_leaves_gz_shards_and_npz_as_they_are(served_site):
    site, port = served_site
    for path in ("/data/train-00.bin.gz", "/model/pretrained.npz"):
        response, body = fetch(port, path, gzip_ok=True)
        assert response.getheader("Content-Encoding") is None
        assert body == (site / path.lstrip("/")).read_bytes()


def test_server_page_headers_and_missing_files(served_site):
    _, port = served_site
    response, _ = fetch(port, "/index.html")
    assert response.getheader("Cache-Control") == "no-cache"
    assert response.getheader("Content-Security-Policy") == "default-src 'self'"  # the page's own <meta> CSP
    response, _ = fetch(port, "/pyodide/pyodide.mjs")  # scripts repeat it: a worker takes its policy from them
    assert response.getheader("Content-Security-Policy") == "default-src 'self'"
    assert response.getheader("Cache-Control") is None
    response, _ = fetch(port, "/data/train-00.bin.gz")
    assert response.getheader("Content-Security-Policy") is None
    assert fetch(port, "/missing.js")[0].status == 404
    assert fetch(port, "/js/")[0].status == 404  # no folder listings, like a static host


@pytest.mark.parametrize("path", ["/index.html", "/js/worker.js", "/pyodide/pyodide.asm.wasm", "/data/train-00.bin.gz"])
def test_server_isolates_every_response(served_site, path):
    """Shared memory (the page's second training worker) needs cross-origin isolation, on workers' scripts too."""
    _, port = served_site
    response, _ = fetch(port, path)
    for name, value in ISOLATION_HEADERS.items():
        assert response.getheader(name) == value


def test_the_service_worker_adds_the_same_isolation_headers_as_the_server():
    """web/coi-sw.js gives hosts that cannot send headers (GitHub Pages) the ones buildlib/serve.py sends."""
    script = (Path(build.__file__).parent / "web" / "coi-sw.js").read_text()
    for name, value in ISOLATION_HEADERS.items():
        assert f'"{name}": "{value}"' in script


def test_drawings_that_are_no_digit_join_training_once_per_label():
    from buildlib.model import training_sets

    rng = np.random.default_rng(0)
    mnist = {"train_x": rng.integers(0, 256, (60, 784), dtype=np.uint8), "train_y": np.arange(60, dtype=np.uint8) % 10}
    recipe = RECIPES["shipped"].replace(validation_size=10, synthetic_styles=5, not_digits=3)
    train_x, train_y, held_x, held_y = training_sets(recipe, mnist)
    assert len(train_x) == 50 + 5 + 3 * 10 and len(held_x) == 10
    others, labels = train_x[55:].reshape(3, 10, 784), train_y[55:].reshape(3, 10)
    assert (others == others[:, :1]).all()  # the same drawing ten times...
    assert (labels == np.arange(10)).all()  # ...once with every label: its target is the even spread
    assert len({row.tobytes() for row in others[:, 0]}) == 3
