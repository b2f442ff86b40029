"""Training through the form: accuracy, progress, charts, Stop, and a page that stays responsive meanwhile."""

import pytest

from e2e_page import (
    SHORT_RUN,
    active_model,
    draw_with_mouse,
    frames_per_second,
    open_ready,
    predictions_shown,
    start_training,
    state,
    wait_state,
)

pytestmark = pytest.mark.browser

# A run long enough to still be going after the checks below (50,000 images, 5 epochs: ~40 s or more here).
LONG_RUN = dict(train_size=50000, epochs=5)


def progress(page) -> float:
    return page.eval_on_selector("#progress", "p => p.value / p.max")


def test_short_run_learns_and_reports_progress(short_run):
    page = short_run.page
    assert state(page) == "idle"
    accuracy = float(page.get_attribute("#test-acc", "data-value"))
    assert 0.9 < accuracy <= 1.0, "10,000 images, 2 epochs of the default recipe"
    seen = short_run.progress_seen
    assert any(b > a for a, b in zip(seen, seen[1:])), f"progress never grew during the run: {seen}"
    assert seen[-1] == pytest.approx(1.0), "a finished run fills the progress bar"
    assert short_run.throughput_text, "samples/s are shown while training"
    assert page.locator("#epoch-log tr:has(td)").count() == SHORT_RUN["epochs"], "one row per epoch"
    assert short_run.charts_after[0] != short_run.charts_before[0], "the loss chart was drawn"
    assert short_run.charts_after[1] != short_run.charts_before[1], "the accuracy chart was drawn"
    assert active_model(page) != short_run.shipped_model, "the freshly trained model now answers"


def test_stop_ends_a_longer_run_early(pages):
    page, _ = pages.open()
    open_ready(page, pages.site)
    start_training(page, **LONG_RUN)
    page.wait_for_function("() => document.querySelector('#progress').value > 0", timeout=60_000)
    page.click("#stop")
    wait_state(page, "idle", timeout_ms=30_000)
    assert progress(page) < 1, "stopped before the end"
    assert page.locator("#epoch-log tr:has(td)").count() < LONG_RUN["epochs"]


def test_page_stays_responsive_and_predicts_while_training(pages):
    page, _ = pages.open()
    open_ready(page, pages.site)
    start_training(page, **LONG_RUN)
    page.wait_for_function("() => document.querySelector('#progress').value > 0", timeout=60_000)

    fps = frames_per_second(page, seconds=3)
    assert fps > 20, f"the main thread drew only {fps:.1f} frames/s during training"

    before = predictions_shown(page)
    prediction = draw_with_mouse(page, 1)
    assert predictions_shown(page) > before
    assert prediction.digit is not None, "predictions still answer during training"
    assert state(page) == "training", "the run is still going (this test needs a longer run)"
    page.click("#stop")
    wait_state(page, "idle", timeout_ms=30_000)
