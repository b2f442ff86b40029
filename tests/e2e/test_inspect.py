""""Show test results": the active model on the whole test set, drawn as a grid of test digits with
its answers, a confusion matrix and its first-layer weights, computed in the page by the same
mlp_core code as in CPython."""

import re

import numpy as np
import pytest

from e2e_page import open_ready, train_to_end
from mlp_core.metrics import confusion_matrix
from mlp_core.modelio import load_model
from worker_api import MAX_WEIGHT_TILES

pytestmark = pytest.mark.browser

GRID_IMAGES = 48  # web/js/views/inspect.js INSPECT_COUNT


def show_test_results(page) -> dict:
    page.click("#inspect-run")
    page.wait_for_selector("#confusion table", state="attached", timeout=60_000)
    page.wait_for_function("() => document.querySelector('#inspect-run').textContent !== 'Working…'")
    return {
        "confusion": np.array(page.eval_on_selector_all(
            "#confusion tbody tr", "rows => rows.map(r => [...r.querySelectorAll('td')].map(td => Number(td.textContent)))")),
        "captions": page.eval_on_selector_all("#test-grid .test-caption", "els => els.map(e => e.textContent)"),
        "grid_inked": page.eval_on_selector_all(
            "#test-grid canvas",
            "cs => cs.map(c => c.getContext('2d').getImageData(0, 0, c.width, c.height).data.some((v, i) => i % 4 < 3 && v < 128))"),
        "weights_label": page.get_attribute("#weights canvas", "aria-label"),
        "message": page.inner_text("#message"),
    }


def test_the_shipped_model_scores_in_the_page_as_in_cpython(pages, built_site, mnist):
    page, _ = pages.open()
    open_ready(page, pages.site)
    shown = show_test_results(page)

    model = load_model(built_site / "model" / "pretrained.npz")
    predictions = model.predict(mnist["test_x"] / np.float32(255))
    expected = confusion_matrix(mnist["test_y"], predictions)
    assert shown["confusion"].shape == (10, 10) and shown["confusion"].sum() == len(mnist["test_y"]) == 10_000
    # Pyodide's numpy has no BLAS: sums in another order may flip a digit on a knife's edge, no more.
    assert np.abs(shown["confusion"] - expected).sum() <= 4, (shown["confusion"], expected)
    accuracy = np.trace(shown["confusion"]) / 10_000
    assert f"reads {100 * accuracy:.2f}% of the 10,000 test digits" in shown["message"], shown["message"]

    # The grid: the first test digits, each with the model's answer, mistakes marked.
    assert len(shown["captions"]) == GRID_IMAGES and all(shown["grid_inked"])
    wanted = [str(p) if p == y else f"{p} ✗" for p, y in zip(predictions[:GRID_IMAGES], mnist["test_y"][:GRID_IMAGES])]
    assert shown["captions"] == wanted
    tiles = min(model.sizes[1], MAX_WEIGHT_TILES)
    assert shown["weights_label"] == f"Weights of {tiles} first-layer neurons drawn as 28 by 28 images"


def test_a_freshly_trained_model_is_the_one_shown(short_run):
    """After a run, the matrix is that of the new model: its diagonal is the test accuracy the run reported."""
    page = short_run.page
    shown = show_test_results(page)
    reported = float(page.get_attribute("#test-acc", "data-value"))
    assert np.trace(shown["confusion"]) / shown["confusion"].sum() == pytest.approx(reported, abs=1e-9)
    assert re.search(r"The active model, “Trained here: [\d-]+, \d+ epochs? \(.*\)”, reads", shown["message"]), shown["message"]
    hidden = int(page.input_value("#hidden").split(",")[0])
    assert shown["weights_label"].startswith(f"Weights of {min(hidden, MAX_WEIGHT_TILES)} first-layer neurons")


def test_results_of_an_earlier_model_are_marked_once_another_answers(pages):
    page, _ = pages.open()
    open_ready(page, pages.site)
    show_test_results(page)
    assert page.get_attribute("#inside-card", "data-results") == "active"
    assert page.is_visible("#inside-caption") and not page.is_visible("#inside-earlier")
    height = page.eval_on_selector("#inside-card", "e => e.getBoundingClientRect().height")

    train_to_end(page, train_size=1000, epochs=1)  # another model answers now
    assert page.get_attribute("#inside-card", "data-results") == "earlier"
    assert page.is_visible("#inside-earlier") and not page.is_visible("#inside-caption")
    assert "earlier model" in page.inner_text("#inside-earlier")
    assert page.eval_on_selector("#inside-card", "e => e.getBoundingClientRect().height") == height, "the card keeps its height"

    show_test_results(page)
    page.wait_for_selector('#inside-card[data-results="active"]', state="attached")
    assert page.is_visible("#inside-caption") and not page.is_visible("#inside-earlier")
