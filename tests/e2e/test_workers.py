"""More than two workers: helpers join a run one by one, each computing part of every minibatch, and
Pause, Stop and Reset work with all of them. This machine may have two cores only, so the page is asked
for three workers by its ?cores=3 query (and ?fixed=1 makes every run use all it asks for, where the
chooser would otherwise measure three workers on two cores as slower and drop one)."""

import pytest

from e2e_page import refuse_helper_bundles, start_training, wait_ready, wait_state

pytestmark = pytest.mark.browser

CORES_TEXT = "#cores-used"
HELPER_TIMEOUT_MS = 180_000  # two helpers load Pyodide + numpy at once, beside the training run
RUN = dict(train_size=20000, epochs=2, cores=3)


def cores_data(page, name: str) -> str:
    return page.get_attribute(CORES_TEXT, f"data-{name}") or ""


def open_with(page, site, query: str) -> None:
    page.goto(site.base_url + query)
    wait_ready(page)


def wait_helpers_settled(page) -> None:
    """Until no helper is starting any more (each is ready or failed)."""
    page.wait_for_function(f"() => ['ready', 'failed'].includes(document.querySelector('{CORES_TEXT}').dataset.helper)",
                           timeout=HELPER_TIMEOUT_MS)


def wait_workers(page, count: int) -> None:
    """Until steps are computed by `count` workers, some of them shared."""
    page.wait_for_function(f"n => document.querySelector('{CORES_TEXT}').dataset.cores === String(n)"
                           f" && Number(document.querySelector('{CORES_TEXT}').dataset.sharedSteps) > 0", arg=count, timeout=60_000)


def finish(page) -> float:
    assert wait_state(page, "idle", "error", timeout_ms=240_000) == "idle", page.inner_text("#message")
    return float(page.get_attribute("#test-acc", "data-value"))


def test_three_workers_train_like_one_and_obey_pause_stop_and_reset(pages):
    page, _ = pages.open()
    open_with(page, pages.site, "?cores=3&fixed=1")
    assert page.evaluate("crossOriginIsolated")
    assert page.input_value("#cores") == "3", "every worker allowed is the default"
    assert page.eval_on_selector_all("#cores option", "os => os.map((o) => o.value)") == ["3", "2", "1"]
    start_training(page, **RUN)
    page.click("#pause")  # the run waits for its helpers: on a slow machine it could otherwise end first
    assert wait_state(page, "paused") == "paused"
    wait_helpers_settled(page)
    assert (cores_data(page, "helpers-ready"), cores_data(page, "helpers-failed")) == ("2", "0"), page.inner_text("#message")
    page.click("#pause")  # Resume
    wait_workers(page, 3)
    assert page.inner_text(CORES_TEXT) == "3 cores"
    # Pause and Resume with three workers: it stops taking steps, then goes on.
    page.click("#pause")
    assert wait_state(page, "paused") == "paused"
    page.click("#pause")
    assert wait_state(page, "training") == "training"
    assert finish(page) > 0.95, "three workers train as well as one (20,000 images x 2 epochs)"
    shared = int(cores_data(page, "shared-steps"))
    assert shared > 0

    # Stop, then a new run: the helpers, loaded already, join it at once.
    start_training(page, **RUN)
    wait_workers(page, 3)
    page.click("#stop")
    assert finish(page) > 0.5
    # Reset mid-run: the run ends, the pretrained model answers again, and the next run trains on three workers.
    start_training(page, **RUN)
    wait_workers(page, 3)
    page.click("#reset")
    assert wait_state(page, "idle") == "idle"
    page.wait_for_function("() => document.querySelector('#message').textContent.includes('Back to the pretrained model')")
    start_training(page, train_size=5000, epochs=1, cores=3)
    wait_workers(page, 3)
    assert finish(page) > 0.85


def test_a_helper_that_fails_leaves_the_others_training(pages):
    page, watch = pages.open(service_workers="block")  # page.route does not see what a service worker fetches
    watch.allow_console_error(r"Failed to load resource|404")
    refused = refuse_helper_bundles(page, 1)
    open_with(page, pages.site, "?cores=3&fixed=1")
    start_training(page, **RUN)
    page.click("#pause")
    assert wait_state(page, "paused") == "paused"
    wait_helpers_settled(page)
    assert (cores_data(page, "helpers-ready"), cores_data(page, "helpers-failed")) == ("1", "1") and len(refused) == 1
    assert "A helper worker stopped (py/bundle.zip: HTTP 404); training goes on with the others." in page.inner_text("#message")
    page.click("#pause")
    wait_workers(page, 2)
    assert page.inner_text(CORES_TEXT) == "2 cores (a helper stopped)"
    assert finish(page) > 0.95


def test_a_one_core_machine_trains_with_one_worker(pages):
    page, _ = pages.open()
    open_with(page, pages.site, "?cores=1")  # what a one-core machine reports as hardwareConcurrency
    assert page.evaluate("crossOriginIsolated")
    assert page.input_value("#cores") == "1" and page.is_disabled('#cores option[value="2"]')
    assert page.inner_text("#cores-help") == "This device has one core"
    start_training(page, train_size=5000, epochs=1, cores=1)
    assert finish(page) > 0.85
    assert page.inner_text(CORES_TEXT) == "1 core" and cores_data(page, "shared-steps") == "0"
    assert cores_data(page, "helper") == "off"


def test_a_helper_that_dies_leaves_the_others_training(pages):
    page, _ = pages.open()
    open_with(page, pages.site, "?cores=3&fixed=1")
    start_training(page, **RUN)  # the first run loads the helpers
    page.click("#pause")
    assert wait_state(page, "paused") == "paused"
    wait_helpers_settled(page)
    assert cores_data(page, "helpers-ready") == "2"
    page.click("#stop")
    finish(page)
    # Between runs a helper waits for messages (its share loop is over): close it from inside, as a crash would.
    helpers = [worker for worker in page.workers if worker.url.endswith("/js/helper.js")]
    assert len(helpers) == 2
    helpers[0].evaluate("self.close()")
    start_training(page, **RUN)  # the dead helper is still thought ready: its first share goes unanswered
    page.wait_for_function(f"() => document.querySelector('{CORES_TEXT}').dataset.helpersFailed === '1'", timeout=60_000)
    said = page.inner_text("#message")
    assert "A helper worker stopped (the helper worker did not answer in" in said and "goes on with the others" in said, said
    wait_workers(page, 2)
    assert page.inner_text(CORES_TEXT) == "2 cores (a helper stopped)"
    assert finish(page) > 0.95
