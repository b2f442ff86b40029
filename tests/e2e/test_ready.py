"""Opening the site: it becomes ready to predict, from its own origin only, without console errors."""

import pytest

from e2e_page import open_ready, read_prediction

pytestmark = pytest.mark.browser

STAGES = {"runtime", "numpy", "code", "model"}


def test_page_becomes_ready_from_its_own_origin_without_console_errors(pages):
    page, watch = pages.open()
    open_ready(page, pages.site)

    body = page.evaluate("({...document.body.dataset})")
    assert body["state"] == "idle"
    assert body["worker"] == "ok"
    stages = dict(page.eval_on_selector_all(
        "#loading [data-stage]", "els => els.map(e => [e.dataset.stage, e.dataset.state])"))
    assert stages == {stage: "done" for stage in STAGES}
    assert page.inner_text("#active-model").strip(), "the page says which model answers"
    assert read_prediction(page).digit is None, "nothing drawn yet, so no prediction"

    # The log really sees the worker's requests (Pyodide, numpy, the shipped model), not just the page's.
    fetched = " ".join(watch.requests)
    for needed in ("pyodide.asm.wasm", "numpy-", "py/bundle.zip", "model/pretrained.npz"):
        assert needed in fetched, f"{needed} was not requested: {watch.requests}"
    watch.assert_clean()
