"""Build the static site into dist/, or serve it.

  python3 build.py                      fetch + verify pinned artifacts, pack MNIST, train the shipped
                                        model (cached), assemble dist/, print the size report
  python3 build.py fetch                fetch + verify only
  python3 build.py mnist-dir            fetch + verify MNIST, print its folder (the CLI's MNIST_DIR)
  python3 build.py serve [--port N]     build if dist/ is missing or stale, then serve it on 127.0.0.1

Needs only Python 3, pip and npm: on first use it creates the project venv .venv, installs the project
(numpy, tqdm) into it and re-runs itself there. The helpers live in buildlib/.
"""

import argparse
import contextlib
import hashlib
import os
import signal
import subprocess
import sys
from pathlib import Path

# buildlib imports only the standard library at module level (numpy and mlp_core are imported where
# used), so these work before the venv exists.
from buildlib.errors import BuildError
from buildlib.fetch import fetch_all, fetch_mnist
from buildlib.paths import cache_dir, dist_dir
from buildlib.pipeline import build
from buildlib.serve import serve_forever
from buildlib.site import staleness

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
CONSTRAINTS = ROOT / "constraints.txt"
# One BLAS thread for every build (a user's, CI's, the Pages workflow's): threaded BLAS sums in another
# order, so the same commit would train a different model. Set before numpy loads, inherited by the venv re-run.
os.environ["OPENBLAS_NUM_THREADS"] = "1"


# --- bootstrap: stdlib only, runs before anything that needs numpy ---------------------------------
def _venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _bootstrap_venv() -> None:
    """Re-run this script inside .venv, creating it and installing the project first if needed."""
    if Path(sys.prefix).resolve() == VENV.resolve():
        return
    if not _venv_python().exists():
        print(f"Creating the project venv {VENV} ...", file=sys.stderr, flush=True)
        if subprocess.run([sys.executable, "-m", "venv", str(VENV)]).returncode != 0:
            sys.exit(f"error: `{sys.executable} -m venv {VENV}` failed. On Debian/Ubuntu install the venv "
                     "module (apt-get install python3-venv), then run the build again.")
    # Reinstall only when pyproject.toml or the pins changed (mlp_core itself is installed editable).
    stamp = VENV / ".mlp-core-installed"
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + CONSTRAINTS.read_bytes()).hexdigest()
    if not stamp.exists() or stamp.read_text() != wanted:
        print("Installing the project (numpy, tqdm, pinned by constraints.txt) into .venv: pip install -e . ...", file=sys.stderr, flush=True)
        install = [str(_venv_python()), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                   "-c", str(CONSTRAINTS), "-e", str(ROOT)]
        if subprocess.run(install).returncode != 0:
            sys.exit(f"error: `{' '.join(install)}` failed (see pip's message above).")
        stamp.write_text(wanted)
    os.execv(str(_venv_python()), [str(_venv_python()), str(Path(__file__).resolve()), *sys.argv[1:]])


# --- the command line ---------------------------------------------------------------------------
def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Build the static site into dist/, or serve it.")
    parser.add_argument("command", nargs="?", default="build", choices=["build", "fetch", "mnist-dir", "serve"])
    parser.add_argument("--port", type=int, default=8000, help="serve: port (default 8000, 0 = any free port)")
    parser.add_argument("--host", default="127.0.0.1", help="serve: address to listen on (default 127.0.0.1)")
    parser.add_argument("--quick-model", action="store_true", default=os.environ.get("MLP_QUICK_MODEL") == "1",
                        help="train the pretrained model for 1 epoch only (development; also MLP_QUICK_MODEL=1)")
    args = parser.parse_args(argv)
    try:
        if args.command == "fetch":
            fetch_all(cache_dir())
        elif args.command == "mnist-dir":
            with contextlib.redirect_stdout(sys.stderr):  # stdout holds the folder only: MNIST_DIR="$(...)"
                directory = fetch_mnist(cache_dir())
            print(directory)
        elif args.command == "build":
            build(args.quick_model)
        else:
            reason = staleness(dist_dir(), args.quick_model)
            if reason:
                print(f"Building first: {reason}.", flush=True)
                build(args.quick_model)
            serve_forever(dist_dir(), args.host, args.port)
    except BuildError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nInterrupted: dist/ was left as it was.", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    _bootstrap_venv()
    # `kill` (SIGTERM) unwinds like Ctrl-C, so a killed build removes its staging folder.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    sys.exit(main())
