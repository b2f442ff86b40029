"""Training on two cores: a second Python worker computes part of every minibatch through shared memory,
and training goes on with one core when it cannot start or where shared memory cannot be had. A host that
cannot send the isolation headers (GitHub Pages) gets them from a service worker (web/coi-sw.js).
tests/e2e/test_workers.py has more than two workers."""

import pytest

from e2e_page import open_ready, refuse_helper_bundles, start_training, wait_state

pytestmark = pytest.mark.browser

# 20,000 images x 2 epochs: long enough to reach > 95% and to see the helper take part.
RUN = dict(train_size=20000, epochs=2, cores=2)
CORES_TEXT = "#cores-used"
HELPER_TIMEOUT_MS = 120_000  # it loads Pyodide + numpy like the page's own worker (see e2e_page.READY_TIMEOUT_MS)


def shared_steps(page) -> int:
    return int(page.get_attribute(CORES_TEXT, "data-shared-steps") or 0)


def wait_helper(page, expected: str) -> None:
    page.wait_for_function(f"() => ['ready', 'failed'].includes(document.querySelector('{CORES_TEXT}').dataset.helper)",
                           timeout=HELPER_TIMEOUT_MS)
    assert page.get_attribute(CORES_TEXT, "data-helper") == expected, page.inner_text("#message")


def start_once_the_helper_is(page, expected: str) -> str:
    """Start RUN and pause it until the helper (loading since the page was ready) has loaded (or failed to): on a
    slow machine the run could otherwise end first. Then Resume; returns the message said before it."""
    start_training(page, **RUN)
    page.click("#pause")
    assert wait_state(page, "paused") == "paused"
    wait_helper(page, expected)
    said = page.inner_text("#message")
    page.click("#pause")  # Resume
    if expected == "ready":  # the first step after Resume is split: each SplitChooser trial begins with one
        page.wait_for_function(f"() => Number(document.querySelector('{CORES_TEXT}').dataset.sharedSteps) > 0", timeout=30_000)
    return said


def finish(page) -> float:
    assert wait_state(page, "idle", "error", timeout_ms=180_000) == "idle"
    return float(page.get_attribute("#test-acc", "data-value"))


def test_the_helper_computes_part_of_the_batches(pages):
    page, _ = pages.open()
    open_ready(page, pages.site)
    assert page.evaluate("crossOriginIsolated"), "build.py's server sends the isolation headers"
    assert page.input_value("#cores") == "2", "two cores are the default where they can work"
    wait_helper(page, "ready")  # loaded while the page is idle, before any run
    watch_cores_text(page)
    start_once_the_helper_is(page, "ready")
    assert finish(page) > 0.95, "splitting the batches trains as well as one worker (20,000 images x 2 epochs)"
    assert shared_steps(page) > 0
    # The line follows the decision, not each trial timing the other count: it changes only with the cores in use,
    # once the first trial has decided.
    seen = page.evaluate("window.__coresSeen")
    texts = [text for text, _ in seen]
    assert set(texts) <= {"–", "1 core", "2 cores", "1 core (checking whether 2 are faster)", "1 core (2 were slower here)",
                          "1 core (1 more starting)"}, texts
    for (before, cores_before), (after, cores_after) in zip(seen, seen[1:]):
        assert before in ("–", "1 core (checking whether 2 are faster)") or cores_after != cores_before, seen


def watch_cores_text(page) -> None:
    """Keep every text the cores line shows, with the workers in use then (data-cores), in window.__coresSeen."""
    page.evaluate("""sel => {
        const line = document.querySelector(sel);
        window.__coresSeen = [[line.textContent, line.dataset.cores]];
        new MutationObserver(() => {
            const last = window.__coresSeen[window.__coresSeen.length - 1];
            if (line.textContent !== last[0]) window.__coresSeen.push([line.textContent, line.dataset.cores]);
        }).observe(line, { childList: true, characterData: true, subtree: true });
    }""", CORES_TEXT)


def test_training_goes_on_alone_when_the_helper_cannot_start(pages):
    page, watch = pages.open(service_workers="block")  # page.route does not see what a service worker fetches
    watch.allow_console_error(r"Failed to load resource|404")
    refused = refuse_helper_bundles(page)
    open_ready(page, pages.site)
    wait_helper(page, "failed")  # the helper that loads while the page is idle: it fails before any run
    assert refused, "the helper asked for the bundle and was refused"
    start_training(page, **RUN)  # the run is told, as it starts
    page.wait_for_function("() => /one core: .*bundle\\.zip: HTTP 404/.test(document.querySelector('#message').textContent)",
                           timeout=60_000)
    page.wait_for_function(f"() => document.querySelector('{CORES_TEXT}').textContent === '1 core (a helper stopped)'", timeout=30_000)
    assert finish(page) > 0.95
    assert shared_steps(page) == 0


def test_a_host_without_isolation_gets_it_from_a_service_worker(plain_host):
    page, _ = plain_host.open()
    open_ready(page, plain_host.site)  # the first load registers web/coi-sw.js and reloads once
    assert page.evaluate("crossOriginIsolated") is True
    assert page.evaluate("navigator.serviceWorker.controller !== null")
    assert page.input_value("#cores") == "2" and not page.is_disabled('#cores option[value="2"]')
    start_once_the_helper_is(page, "ready")
    assert finish(page) > 0.95


def test_without_service_workers_such_a_host_offers_one_core_and_trains(plain_host):
    page, _ = plain_host.open(service_workers="block")
    open_ready(page, plain_host.site)
    assert page.evaluate("crossOriginIsolated") is False
    assert page.input_value("#cores") == "1"
    assert page.is_disabled('#cores option[value="2"]')
    assert "does not allow shared memory" in page.inner_text("#cores-help")
    start_training(page, train_size=5000, epochs=1)
    assert finish(page) > 0.85
    assert page.inner_text(CORES_TEXT) == "1 core" and shared_steps(page) == 0
