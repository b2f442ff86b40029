"""Where the build reads and writes. The cache and dist/ can be moved by environment variables so tests
can build into temporary folders without touching the real ones."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WEB_DIR = ROOT / "web"
MLP_CORE_DIR = ROOT / "mlp_core"


def cache_dir() -> Path:
    """Downloads, extracted packages, shards and the trained model (git-ignored): $MLP_CACHE_DIR or .cache/.

    mlp_core.data owns the rule (it finds the fetched MNIST there too); imported here, not at module level,
    because buildlib loads with the standard library alone before build.py has made its venv.
    """
    from mlp_core.data import build_cache_dir

    return build_cache_dir()


def dist_dir() -> Path:
    """The finished site."""
    return Path(os.environ.get("MLP_DIST_DIR") or ROOT / "dist").resolve()
