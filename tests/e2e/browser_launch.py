"""How the e2e tests and bench/browser.py start Chromium: the system browser, headless, same flags."""

from __future__ import annotations

import os

DEFAULT_CHROMIUM = "/usr/bin/chromium"  # Debian's package; Playwright's own browser download cannot work here
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def chromium_executable() -> str:
    """$CHROMIUM_PATH if set, else the system Chromium (not checked: callers say what is missing their own way)."""
    return os.environ.get("CHROMIUM_PATH") or DEFAULT_CHROMIUM


def launch_chromium(playwright, executable: str):
    """A headless browser; launch() gives it a fresh temporary user-data dir, deleted on close."""
    return playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
