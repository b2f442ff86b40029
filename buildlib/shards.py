"""MNIST packed for the browser: gzip shards of 5,000 images the page fetches lazily, plus a manifest.

Shards are made with mlp_core.data.encode_shard (the one shard format; the worker decodes it with
decode_shard) and gzip level 9 with mtime 0, so the same input always gives the same bytes. They are
cached under <cache>/shards/<key>/, keyed on the MNIST hashes and the shard code, and copied into the site.
The training images come twice: as drawn, and deskewed (mlp_core.deskew, per image, so shard by shard is
exact) for runs that read upright images, so the page spends none of a run's start deskewing. Each training
shard's entry carries the histogram of its pixel values, from which a run's input statistics are summed.
"""

import gzip
import hashlib
import json
import re
import shutil
from pathlib import Path

from .site import staged

SHARD_SIZE = 5000


def shard_plan(train_count: int, test_count: int, shard_size: int = SHARD_SIZE) -> list:
    """[(file, split, start, count, upright)] in order: train-00, ..., test-00, ..., then train-00.upright, ..."""
    plan = []
    for split, total, upright in (("train", train_count, False), ("test", test_count, False), ("train", train_count, True)):
        for index, start in enumerate(range(0, total, shard_size)):
            name = f"{split}-{index:02d}{'.upright' if upright else ''}.bin.gz"
            plan.append((name, split, start, min(shard_size, total - start), upright))
    return plan


def shards_key(mnist_hashes: dict) -> str:
    import mlp_core.data
    import mlp_core.deskew
    digest = hashlib.sha256(json.dumps(sorted(mnist_hashes.items())).encode())
    digest.update(Path(mlp_core.data.__file__).read_bytes())
    digest.update(Path(mlp_core.deskew.__file__).read_bytes())
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()[:16]


def write_shards(mnist: dict, mnist_hashes: dict, out_dir: Path, shard_size: int = SHARD_SIZE) -> dict:
    """Write every shard and manifest.json into out_dir; return the manifest."""
    from mlp_core.data import VALIDATION_SIZE, encode_shard
    from mlp_core.deskew import deskew
    from mlp_core.trainer import pixel_counts

    out_dir.mkdir(parents=True, exist_ok=True)
    train_count, test_count = len(mnist["train_x"]), len(mnist["test_x"])
    entries = []
    for file, split, start, count, upright in shard_plan(train_count, test_count, shard_size):
        images = mnist[f"{split}_x"][start:start + count]
        labels = mnist[f"{split}_y"][start:start + count]
        if upright:
            images = deskew(images)
        packed = gzip.compress(encode_shard(images, labels), compresslevel=9, mtime=0)
        (out_dir / file).write_bytes(packed)
        entry = {"file": file, "split": split, "start": start, "count": count, "upright": upright,
                 "sha256": hashlib.sha256(packed).hexdigest(), "bytes": len(packed)}
        if split == "train":  # a run's input mean and std, summed over its shards instead of counted in the page
            entry["pixel_counts"] = pixel_counts(images).tolist()
        entries.append(entry)
    manifest = {
        "format": "mlp_core.data.encode_shard, gzip-compressed",
        "image_shape": [28, 28],
        "shard_size": shard_size,
        "train_count": train_count,
        "test_count": test_count,
        # The tutorial's validation split: the last 10,000 training images (shards train-10 and train-11).
        "tutorial_validation": {"split": "train", "start": max(train_count - VALIDATION_SIZE, 0),
                                "count": min(VALIDATION_SIZE, train_count)},
        "shards": entries,
        "sources": dict(sorted(mnist_hashes.items())),
    }
    # One shard per line: the pixel histograms would make an indented file thousands of lines long.
    lines = ",\n".join(json.dumps(entry) for entry in entries)
    text = json.dumps({**manifest, "shards": "@"}, indent=1).replace('"@"', f"[\n{lines}\n]")
    (out_dir / "manifest.json").write_text(text + "\n")
    return manifest


def cached_shards(mnist: dict, mnist_hashes: dict, cache: Path) -> Path:
    """The folder of shards + manifest for these MNIST arrays, made once and reused."""
    target = cache / "shards" / shards_key(mnist_hashes)
    if not (target / "manifest.json").is_file():
        print("Packing MNIST shards (gzip level 9)...", flush=True)
        with staged(target) as tmp:
            write_shards(mnist, mnist_hashes, tmp)
    for older in target.parent.iterdir():  # shards of older inputs: 11 MB each, never used again
        if older != target and re.fullmatch(r"[0-9a-f]{16}", older.name):
            shutil.rmtree(older, ignore_errors=True)
    return target


def print_shards(manifest: dict) -> None:
    total = 0
    print("Data shards (fetched lazily, not part of the first-prediction download):")
    for entry in manifest["shards"]:
        total += entry["bytes"]
        print(f"  data/{entry['file']:<24} {entry['count']:>5} images  {entry['bytes']:>10,} bytes")
    print(f"  {'all ' + str(len(manifest['shards'])) + ' shards':<45}{total:>10,} bytes", flush=True)
