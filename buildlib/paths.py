"""Where the build reads and writes. The cache and dist/ can be moved by environment variables so tests
can build into temporary folders without touching the real ones."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WEB_DIR = ROOT / "web"
MLP_CORE_DIR = ROOT / "mlp_core"


def cache_dir() -> Path:
    """Downloads, extracted packages, shards and the trained model (git-ignored).

    mlp_core.data.build_cache_dir() reads the same variable the same way, to find the fetched MNIST.
    """
    return Path(os.environ.get("MLP_CACHE_DIR") or ROOT / ".cache").resolve()


def dist_dir() -> Path:
    """The finished site."""
    return Path(os.environ.get("MLP_DIST_DIR") or ROOT / "dist").resolve()
