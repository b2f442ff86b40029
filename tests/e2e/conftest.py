"""Fixtures for the end-to-end tests: one built site, one server, one Chromium per session.

Every page a test opens is watched: each request must go to the site's own origin and the
page must log no console error (tests that provoke errors on purpose say which ones they allow).
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from browser_launch import chromium_executable, launch_chromium
from buildlib.paths import dist_dir
from buildlib.serve import SiteHandler, make_server
from buildlib.site import staleness

# Files without which the page cannot work; their absence means the build did not run.
REQUIRED_SITE_FILES = (
    "index.html",
    "build-info.json",
    "data/manifest.json",
    "model/pretrained.npz",
    "pyodide/pyodide.mjs",
    "py/bundle.zip",
)
BUILD_HINT = "run `python3 build.py` (or `bash scripts/test.sh`, which builds and tests)"


def running_in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("true", "1", "yes")


def unavailable(reason: str) -> None:
    """In CI a missing prerequisite is a failure; on a developer machine it is a clear skip."""
    if running_in_ci():
        pytest.fail(f"{reason} (CI=true: browser tests may not be skipped)", pytrace=False)
    pytest.skip(reason)


def site_dir() -> Path:
    """dist/, or wherever MLP_DIST_DIR moves it (build.py's own rule)."""
    return dist_dir()


def site_staleness() -> str | None:
    """build.py's own answer (one source of truth for what "built from these sources" means)."""
    # A full build and a quick-model build are both fine for the tests.
    reasons = [staleness(site_dir(), quick_model=quick) for quick in (False, True)]
    return None if None in reasons else reasons[0]


@pytest.fixture(scope="session")
def built_site() -> Path:
    """The site is built once, by build.py, before the tests; here we only check it is there and current.

    MLP_E2E_ALLOW_STALE=1 tests whatever dist/ holds (while editing the page, between builds).
    """
    dist = site_dir()
    missing = [name for name in REQUIRED_SITE_FILES if not (dist / name).is_file()]
    if missing:
        unavailable(f"the site is not built (missing {', '.join(str(dist / m) for m in missing)}): {BUILD_HINT}")
    stale = site_staleness()
    if stale and os.environ.get("MLP_E2E_ALLOW_STALE") == "1":
        warnings.warn(f"testing a stale dist/ ({stale}) because MLP_E2E_ALLOW_STALE=1")
    elif stale:
        pytest.fail(f"dist/ does not match the sources ({stale}): the tests would run an old page; {BUILD_HINT}",
                    pytrace=False)
    return dist


@dataclass(frozen=True)
class Site:
    base_url: str  # ends with "/"

    @property
    def origin(self) -> str:
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}"


@contextlib.contextmanager
def served(directory: Path, handler: type = None):
    """``directory`` served by build.py's own server (buildlib.serve; ``handler``: a SiteHandler subclass)
    on a free 127.0.0.1 port, as a Site, until the block ends."""
    server = make_server(directory, host="127.0.0.1", port=0, handler=handler)
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield Site(f"http://127.0.0.1:{server.server_address[1]}/")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def site(built_site) -> Site:
    """dist/ served for the whole session."""
    with served(built_site) as site:
        yield site


def chromium_path() -> str:
    path = chromium_executable()
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        unavailable(
            f"no Chromium at {path}: install Debian's `chromium` package (apt-get install chromium) "
            "or set CHROMIUM_PATH to a Chromium binary (Playwright's own browser download cannot work here)"
        )
    return path


@pytest.fixture(scope="session")
def chromium():
    """One headless system Chromium for the whole session (never `playwright install`)."""
    executable = chromium_path()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable('the Python package `playwright` is missing: pip install -e ".[test]"')
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright, executable)
        try:
            yield browser
        finally:
            browser.close()


def request_origin(url: str) -> str | None:
    """The origin a request goes to; None for URLs that never touch the network (data:, about:)."""
    if url.startswith(("data:", "about:")):
        return None
    if url.startswith("blob:"):
        url = url[len("blob:") :]
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@dataclass
class PageWatch:
    """Records what a page does that a test must not let pass silently."""

    origin: str
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    allowed_errors: list[re.Pattern] = field(default_factory=list)
    checked: bool = False  # a test that asserted it already is not reported twice at teardown

    def allow_console_error(self, pattern: str) -> None:
        """A test that provokes an error on purpose names the console errors it expects."""
        self.allowed_errors.append(re.compile(pattern, re.IGNORECASE))

    def on_request(self, request) -> None:
        self.requests.append(request.url)

    def on_console(self, message) -> None:
        if message.type == "error":
            self.console_errors.append(f"console.error: {message.text} ({message.location.get('url', '')})")

    def on_page_error(self, error) -> None:
        self.console_errors.append(f"uncaught: {error}")

    def foreign_requests(self) -> list[str]:
        return [url for url in self.requests if request_origin(url) not in (None, self.origin)]

    def unexpected_console_errors(self) -> list[str]:
        return [text for text in self.console_errors if not any(p.search(text) for p in self.allowed_errors)]

    def assert_clean(self) -> None:
        self.checked = True
        foreign = self.foreign_requests()
        assert not foreign, f"requests to another origin than {self.origin}: {foreign}"
        errors = self.unexpected_console_errors()
        assert not errors, "console errors:\n" + "\n".join(errors)


class PageOpener:
    """Opens watched pages in fresh browser contexts and checks them when the test ends."""

    def __init__(self, browser, site: Site):
        self.browser = browser
        self.site = site
        self.opened: list[tuple[object, PageWatch]] = []

    def open(self, **context_options):
        context = self.browser.new_context(accept_downloads=True, **context_options)
        context.set_default_timeout(30_000)
        watch = PageWatch(self.site.origin)
        context.on("request", watch.on_request)
        page = context.new_page()
        page.on("console", watch.on_console)  # includes the Web Worker's console in Chromium
        page.on("pageerror", watch.on_page_error)
        self.opened.append((context, watch))
        return page, watch

    def close_and_check(self) -> None:
        try:
            for _, watch in self.opened:
                if not watch.checked:
                    watch.assert_clean()
        finally:
            for context, _ in self.opened:
                context.close()
            self.opened.clear()


@pytest.fixture
def pages(chromium, site):
    """Factory: `page, watch = pages.open(viewport=...)`; every page is checked when the test ends."""
    opener = PageOpener(chromium, site)
    yield opener
    opener.close_and_check()


@pytest.fixture(scope="module")
def module_pages(chromium, site):
    """Like `pages`, shared by the tests of one module (for flows that need an expensive setup once)."""
    opener = PageOpener(chromium, site)
    yield opener
    opener.close_and_check()


class NoIsolation(SiteHandler):
    isolation_headers = {}  # what GitHub Pages serves: no COOP/COEP headers


@pytest.fixture
def plain_host(chromium, built_site):
    """Like `pages`, on a server that sends no isolation headers (as GitHub Pages)."""
    with served(built_site, handler=NoIsolation) as site:
        opener = PageOpener(chromium, site)
        yield opener
        opener.close_and_check()


@dataclass
class ShortRun:
    """A short training run done once through the form, with what was seen while it ran."""

    page: object
    shipped_model: str
    progress_seen: list      # every value #progress took, as a fraction
    throughput_seen: list    # every text #throughput showed
    charts_before: list
    charts_after: list


# Records every value of #progress and every text of #throughput from now on, in window.__run.
RECORD_RUN = """() => {
    const progress = document.querySelector('#progress'), rate = document.querySelector('#throughput');
    window.__run = {progress: [], throughput: []};
    new MutationObserver(() => window.__run.progress.push(progress.value / progress.max))
        .observe(progress, {attributes: true, attributeFilter: ['value']});
    new MutationObserver(() => window.__run.throughput.push(rate.textContent.trim()))
        .observe(rate, {childList: true, characterData: true, subtree: true});
}"""


@pytest.fixture(scope="session")
def short_run(chromium, site):
    """One page that trained a fresh model: test_training checks the run, test_drawing draws on its model."""
    from e2e_page import CHART_PICTURE, CHARTS, SHORT_RUN, active_model, open_ready, start_training, wait_state

    opener = PageOpener(chromium, site)
    page, _ = opener.open()
    open_ready(page, site)
    shipped = active_model(page)
    charts_before = [page.evaluate(CHART_PICTURE, sel) for sel in CHARTS]
    page.evaluate(RECORD_RUN)
    start_training(page, **SHORT_RUN)
    wait_state(page, "idle", "error")
    seen = page.evaluate("window.__run")
    charts_after = [page.evaluate(CHART_PICTURE, sel) for sel in CHARTS]
    yield ShortRun(page, shipped, seen["progress"], seen["throughput"], charts_before, charts_after)
    opener.close_and_check()
