#!/usr/bin/env bash
# README's second command: install what the tests need, build the site, run every test with pytest.
#   bash scripts/test.sh [pytest args...]
# Works on a fresh Debian machine as root (installs chromium and python3-venv with apt-get when missing).
# Environment: CHROMIUM_PATH (use this Chromium instead of /usr/bin/chromium), CI=true (no skipping allowed).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

say() { printf '[test.sh] %s\n' "$*" >&2; }

# apt-get is only usable as root on Debian-like systems; update the index once, and only if we need it.
apt_updated=no
apt_install() {
    if ! command -v apt-get >/dev/null 2>&1 || [ "$(id -u)" != 0 ]; then
        return 1
    fi
    if [ "$apt_updated" = no ]; then
        DEBIAN_FRONTEND=noninteractive apt-get update -q || return 1
        apt_updated=yes
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"
}

# --- Chromium: Playwright's own browser download cannot work here, so the tests use a system Chromium.
chromium_help="Install Debian's chromium package as root ('apt-get install chromium'), or point CHROMIUM_PATH at a Chromium/Chrome binary, then run this script again."
if [ -n "${CHROMIUM_PATH:-}" ]; then
    if [ ! -x "$CHROMIUM_PATH" ]; then
        say "CHROMIUM_PATH=$CHROMIUM_PATH is not an executable file. $chromium_help"
        exit 1
    fi
elif [ -x /usr/bin/chromium ]; then
    export CHROMIUM_PATH=/usr/bin/chromium
else
    say "/usr/bin/chromium is missing: installing Debian's chromium package"
    # A font package too: without any font, headless Chromium lays text out with empty glyphs.
    if apt_install chromium fonts-dejavu-core && [ -x /usr/bin/chromium ]; then
        export CHROMIUM_PATH=/usr/bin/chromium
    elif [ "${CI:-}" = true ]; then
        say "Could not install chromium. $chromium_help"
        exit 1
    else
        say "Could not install chromium: the browser tests will be skipped. $chromium_help"
    fi
fi

# --- Virtual environment with the test dependencies declared in pyproject.toml.
if [ ! -x .venv/bin/python ]; then
    if ! python3 -m venv .venv; then
        # Debian splits venv/ensurepip into python3-venv (versioned name on some releases).
        rm -rf .venv
        py_minor="$(python3 -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
        say "python3 -m venv failed: installing python3-venv"
        apt_install python3-venv "python${py_minor}-venv" || apt_install python3-venv || {
            say "Cannot create a virtual environment. Install python3-venv (apt-get install python3-venv) and retry."
            exit 1
        }
        python3 -m venv .venv
    fi
fi
.venv/bin/python -m pip install --disable-pip-version-check -q -c constraints.txt -e ".[test]"

# --- npm packages the project itself declares (build.py fetches its pinned npm artifacts on its own).
if [ -f package-lock.json ]; then
    npm ci --no-audit --no-fund
elif [ -f package.json ]; then
    npm install --no-audit --no-fund
fi

# --- The site: fetches MNIST, Pyodide and numpy (verified, cached), trains the pretrained model, writes dist/.
# One BLAS thread for the tests too (build.py sets it for itself): CPython timings and sums as the build's.
export OPENBLAS_NUM_THREADS=1
.venv/bin/python build.py

# --- Every test: unit, build and end-to-end. pytest's exit status is this script's status.
exec .venv/bin/python -m pytest "$@"
