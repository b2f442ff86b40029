"""Offline after one visit, and a new build announced (issue 17, item 1).

A copy of dist/ is served by build.py's server; the test visits it, trains once (the shards get cached),
changes a file and rewrites the service worker as a build would, checks that the page says a new version
is active, then shuts the server down for real (and sets the context offline) and reloads: the page must
load, predict and train from the browser's cache alone.
"""
import shutil

import pytest

from buildlib import offline
from buildlib.paths import ROOT
from buildlib.serve import SiteHandler
from conftest import PageOpener, served
from e2e_page import (READY_TIMEOUT_MS, draw_with_mouse, fill_training_form, message, train_to_end, wait_error_message, wait_ready,
                      wait_state)

pytestmark = pytest.mark.browser

RUN = dict(train_size=5000, epochs=1)  # one shard of training data (the smallest size the form offers)


class Counted(SiteHandler):
    """Counts the requests the server answers: none may come once the test is offline."""
    answered = []

    def send_head(self):
        Counted.answered.append(self.path)
        return super().send_head()


def saved_offline(page):
    page.wait_for_selector("#offline-status[data-offline=saved]", state="attached", timeout=READY_TIMEOUT_MS)


def offline_sizes(page) -> list[int]:
    text = page.get_attribute("#offline-status", "data-sizes") or ""
    return [int(n) for n in text.split(",") if n]


def test_after_one_visit_the_page_loads_predicts_and_trains_offline_and_says_when_a_new_build_is_active(
        chromium, built_site, tmp_path):
    copy = tmp_path / "site"
    shutil.copytree(built_site, copy)
    with served(copy, handler=Counted) as site:
        opener = PageOpener(chromium, site)
        try:
            page, watch = opener.open(viewport={"width": 1366, "height": 900})
            page.goto(site.base_url)
            wait_ready(page)
            saved_offline(page)
            assert offline_sizes(page) == [], "nothing downloaded for training yet"
            train_to_end(page, **RUN)
            page.wait_for_function("() => document.querySelector('#offline-status').dataset.sizes !== ''")
            sizes = offline_sizes(page)
            assert RUN["train_size"] in sizes, sizes

            # A new build: one changed file, the service worker rewritten the way build.py writes it.
            with open(copy / "css" / "base.css", "a") as css:
                css.write("\n/* a new build */\n")
            shutil.copyfile(ROOT / "web" / offline.SERVICE_WORKER, copy / offline.SERVICE_WORKER)
            offline.write_service_worker(copy)
            page.evaluate("() => navigator.serviceWorker.getRegistration().then((r) => r.update())")
            page.wait_for_selector("#offline-status[data-offline=updated]", state="attached", timeout=READY_TIMEOUT_MS)
            assert "new version" in message(page)[1], message(page)
        except BaseException:
            opener.close_and_check()
            raise
    # The server is shut (a kept-alive connection would still be answered, and counted): nothing may come
    # from the network.
    answered = len(Counted.answered)
    try:
        page.context.set_offline(True)
        page.reload()
        wait_ready(page)
        assert draw_with_mouse(page, 1).digit is not None, "the offline page predicts"
        assert 0 < train_to_end(page, **RUN) <= 1, "the offline page trains on the data it kept"
        assert "Works offline" in page.inner_text("#offline-status")
        # A size whose images were never downloaded: the page says which sizes train with no network (it said only
        # "Could not download training data: Failed to fetch"). Refused at once where the browser knows it is offline;
        # here, after the reload, the emulated browser says it is online, and the run's download fails first.
        fill_training_form(page, train_size=4 * RUN["train_size"], epochs=1)
        page.click("#train")
        text = wait_error_message(page)
        assert "never downloaded" in text and "choose 5,000 images (downloaded already)" in text, text
        assert wait_state(page, "idle", timeout_ms=30_000) == "idle"
        # The browser's own update check of the service worker (its script and the scripts it imports) is
        # not the page's and fails harmlessly offline; anything else reaching the server is a page request.
        reached = [path for path in Counted.answered[answered:]
                   if path != f"/{offline.SERVICE_WORKER}" and not path.startswith("/workbox/")]
        assert reached == [], f"the offline page reached the server: {reached}"
        watch.allow_console_error(r"Failed to (fetch|load resource)|ERR_INTERNET_DISCONNECTED|ERR_CONNECTION_REFUSED")
    finally:
        opener.close_and_check()


def test_the_site_is_installable(pages):
    page, _ = pages.open()
    page.goto(pages.site.base_url)
    saved_offline(page)
    cdp = page.context.new_cdp_session(page)
    assert cdp.send("Page.getAppManifest").get("errors") == []
    errors = [e["errorId"] for e in cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]]
    assert set(errors) <= {"in-incognito"}, errors  # Playwright's contexts are incognito: nothing else may be missing
