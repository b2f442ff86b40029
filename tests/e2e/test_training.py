"""Training through the form: accuracy, progress, charts, Stop, and a page that stays responsive meanwhile."""

import re

import pytest

from e2e_page import (
    PHONE,
    RUN_TIMEOUT_MS,
    SHORT_RUN,
    active_model,
    download_model,
    fill_training_form,
    in_view,
    message,
    wait_error_message,
    train_to_end,
    draw_with_mouse,
    frames_per_second,
    open_ready,
    predictions_shown,
    start_training,
    state,
    wait_state,
)
from worker_api import PAGE_OVERRIDES

pytestmark = pytest.mark.browser

# A run no machine finishes while a test looks at it (5 million samples); the tests stop it themselves.
LONG_RUN = dict(train_size=50000, epochs=100)


def progress(page) -> float:
    return page.eval_on_selector("#progress", "p => p.value / p.max")


def wait_progress_beyond(page, fraction: float) -> None:
    page.wait_for_function("f => { const p = document.querySelector('#progress'); return p.value / p.max > f; }",
                           arg=fraction, timeout=60_000)


def test_short_run_learns_and_reports_progress(short_run):
    page = short_run.page
    assert state(page) == "idle"
    accuracy = float(page.get_attribute("#test-acc", "data-value"))
    assert 0.9 < accuracy <= 1.0, "10,000 images, 2 epochs of the default recipe"
    seen = short_run.progress_seen
    assert any(b > a for a, b in zip(seen, seen[1:])), f"progress never grew during the run: {seen}"
    assert seen[-1] == pytest.approx(1.0), "a finished run fills the progress bar"
    rates = [float(text.replace(",", "")) for text in short_run.throughput_seen if re.fullmatch(r"[\d,]+", text)]
    assert rates and min(rates) > 0, f"samples/s are shown while training: {short_run.throughput_seen}"
    assert page.locator("#epoch-log tr[data-kind=epoch]").count() == SHORT_RUN["epochs"], "one row per epoch"
    assert short_run.charts_after[0] != short_run.charts_before[0], "the loss chart was drawn"
    assert short_run.charts_after[1] != short_run.charts_before[1], "the accuracy chart was drawn"
    assert active_model(page) != short_run.shipped_model, "the freshly trained model now answers"


def test_stop_ends_a_run_early_and_keeps_what_it_learned(pages):
    page, _ = pages.open()
    open_ready(page, pages.site)
    start_training(page, **LONG_RUN)
    wait_progress_beyond(page, 0.05 / LONG_RUN["epochs"])  # a twentieth of its first epoch: far from any epoch's end
    page.click("#pause")  # a paused run stands still: what Stop does is seen on any machine
    wait_state(page, "paused", timeout_ms=30_000)
    page.click("#stop")
    wait_state(page, "idle", timeout_ms=60_000)
    assert 0 < progress(page) < 1, "stopped before the end"
    assert page.inner_text("#progress-text") == "Stopped"
    assert page.get_attribute("#test-acc", "data-value"), "a stopped run is measured on the test set"
    # "Your models" says how far it went, as the progress bar does (it said "stopped at 0 of 100 epochs": the weights'
    # epochs were counted at the last epoch end or validation, not where the run stopped).
    page.wait_for_function("() => /^Trained here: [\\d-]+, stopped at [\\d.]+ of \\d+ epochs$/"
                           ".test(document.querySelector('#saved-models .saved-name')?.textContent)")
    name = page.inner_text("#saved-models .saved-name")
    # The header names it in the very same words (it said "trained here, stopped early": model-name.js says both).
    assert active_model(page).startswith(f"{name} ("), (active_model(page), name)
    stopped_at = float(re.search(r"stopped at ([\d.]+) of", name).group(1))
    assert stopped_at == pytest.approx(progress(page) * LONG_RUN["epochs"], abs=0.011), (name, progress(page))


def test_while_a_run_trains_the_header_and_a_download_name_its_weights_of_the_moment(pages, tmp_path):
    """The run's weights answer the pad from its first step. Until its first epoch the header went on naming the model
    from before the run (a stopped run's "stopped at 0.66 of 2 epochs (97.1% test)"), and Download saved the run's
    weights under that name. Both now name them as "Your models" will: "Trained here: 784-100-200-10, 0 of 100 epochs"."""
    from mlp_core import load_model

    page, _ = pages.open()
    open_ready(page, pages.site)
    start_training(page, **LONG_RUN)
    wait_progress_beyond(page, 0)
    page.click("#pause")  # a paused run stands still: the file holds what the header names
    wait_state(page, "paused", timeout_ms=30_000)
    header = active_model(page)
    assert re.fullmatch(rf"Trained here: 784-[\d-]+-10, 0 of {LONG_RUN['epochs']} epochs", header), header
    path = download_model(page, tmp_path)
    shape = header.split(": ")[1].split(",")[0]
    assert path.name == f"mnist-mlp-trained-here-{shape}-0-of-{LONG_RUN['epochs']}-epochs.npz", path.name
    model = load_model(path)
    assert model.metadata["epochs_completed"] == 0 and model.metadata["samples_seen"] > 0, "the run's weights of the moment"
    page.click("#stop")
    wait_state(page, "idle", timeout_ms=60_000)
    assert re.match(r"Trained here: [\d-]+, stopped at [\d.]+ of \d+ epochs \(", active_model(page)), active_model(page)


def test_page_stays_responsive_and_predicts_while_training(pages):
    page, _ = pages.open()
    open_ready(page, pages.site)
    start_training(page, **LONG_RUN)
    wait_progress_beyond(page, 0)
    before_fps = progress(page)
    fps = frames_per_second(page, seconds=3)
    assert fps > 20, f"the main thread drew only {fps:.1f} frames/s during training"

    before = predictions_shown(page)
    prediction = draw_with_mouse(page, 1)
    assert predictions_shown(page) > before
    assert prediction.digit is not None, "predictions still answer during training"
    assert state(page) == "training" and progress(page) > before_fps, "the run trained all along"
    page.click("#stop")
    wait_state(page, "idle", timeout_ms=30_000)


def test_validation_inside_an_epoch_is_shown_by_samples_seen(pages):
    page, _ = pages.open()
    open_ready(page, pages.site)
    every = PAGE_OVERRIDES["fast"]["validate_every"]  # the default preset's checkpoints
    train_size = every + 5000
    train_to_end(page, train_size=train_size, epochs=1)
    rows = page.eval_on_selector_all("#epoch-log tr:has(td)", """rows => rows.map((r) => ({
        kind: r.dataset.kind, samples: Number(r.dataset.samples), cells: [...r.cells].map((c) => c.textContent)}))""")
    assert [r["kind"] for r in rows] == ["checkpoint", "epoch"], rows
    check, epoch = rows
    assert 0 < check["samples"] <= every < epoch["samples"] <= train_size, rows  # never past the multiple it stands for
    assert check["cells"][3] == "–" and check["cells"][4].endswith("%"), "a checkpoint measures validation only"
    assert all(r["cells"][1] == f"{r['samples']:,}" for r in rows), "each row says how many samples it had seen"
    assert float(check["cells"][0]) == pytest.approx(check["samples"] / train_size, abs=0.005), "epochs seen, fractional"


# From now on, every text #progress-text shows, and whether it was cut there (checked in the frame it is drawn).
RECORD_PROGRESS_TEXTS = """() => {
    const text = document.querySelector('#progress-text');
    window.__texts = [];
    new MutationObserver(() => requestAnimationFrame(() =>
        window.__texts.push([text.textContent, text.scrollWidth > text.clientWidth])))
        .observe(text, { childList: true, characterData: true, subtree: true });
}"""


@pytest.mark.parametrize("size", ["1280x800", "768x1024"])
def test_every_step_of_a_run_is_read_whole(pages, size):
    """Downloading, measuring validation inside the epoch and at its end: each line the run shows fits its place (on a
    laptop and a tablet they were cut: "Epoch 1 of 2 done · measuring acc…", "Downloading data: 5.1 MB of 13…")."""
    width, height = map(int, size.split("x"))
    page, _ = pages.open(viewport={"width": width, "height": height})
    open_ready(page, pages.site)
    page.evaluate(RECORD_PROGRESS_TEXTS)
    train_to_end(page, train_size=PAGE_OVERRIDES["fast"]["validate_every"] + 5000, epochs=1)
    seen = page.evaluate("window.__texts")
    assert any("measuring" in text for text, _ in seen), f"no measuring step was shown: {seen}"
    cut = sorted({text for text, was_cut in seen if was_cut})
    assert cut == [], f"cut at {size}: {cut}"


def test_train_waits_while_your_handwriting_is_learned(pages):
    page, _ = pages.open()
    open_ready(page, pages.site)
    for drawn, really in ((1, 7), (4, 4)):
        draw_with_mouse(page, drawn)
        page.click(f'#teach button[data-digit="{really}"]')
    page.wait_for_selector('#teach[data-count="2"]', state="attached")
    # Every state the teach card passes through, with Train's state and its reason at that moment.
    page.evaluate("""() => {
        window.__seen = [];
        const teach = document.querySelector('#teach'), train = document.querySelector('#train');
        const note = () => window.__seen.push([teach.dataset.state, train.disabled, !document.querySelector('#train-wait').hidden]);
        new MutationObserver(note).observe(teach, { attributes: true, attributeFilter: ['data-state'] });
    }""")
    page.click("#teach-learn")
    page.wait_for_selector('#teach[data-state="done"], #teach[data-state="error"]', state="attached", timeout=RUN_TIMEOUT_MS)
    seen = page.evaluate("window.__seen")
    busy = [s for s in seen if s[0] in ("learning", "measuring")]
    assert busy and all(disabled and said for _, disabled, said in busy), seen
    assert page.get_attribute("#teach", "data-state") == "done", message(page)
    assert page.is_enabled("#train") and page.is_hidden("#train-wait")
    assert page.inner_text("#progress-text") == "Not started"


def test_a_start_the_worker_refuses_leaves_the_progress_line_as_it_was(pages):
    page, _ = pages.open()
    open_ready(page, pages.site)
    fill_training_form(page, hidden="2048,2048,2048,2048,2048,2048")  # the form allows it; too big to save, says the worker
    page.click("#train")
    assert "Could not start training" in wait_error_message(page)
    wait_state(page, "idle", timeout_ms=30_000)
    assert page.inner_text("#progress-text") == "Not started"
    assert page.is_enabled("#train")


def test_a_wrong_field_is_marked_by_itself_in_view_on_a_phone(pages):
    page, _ = pages.open(**PHONE)
    open_ready(page, pages.site)
    page.fill("#hidden", "abc")
    page.tap("#train")
    page.wait_for_selector("#hidden[aria-invalid=true]", state="attached")
    error = page.inner_text("#hidden-error")
    assert error.startswith("Hidden layers: give 1 to"), error
    assert "hidden-error" in page.get_attribute("#hidden", "aria-describedby").split()
    assert page.evaluate("document.activeElement.id") == "hidden"
    page.wait_for_function("() => { const r = document.querySelector('#hidden-error').getBoundingClientRect();"
                           " return r.top >= 0 && r.bottom <= innerHeight; }")  # focusing may scroll smoothly
    assert in_view(page, "#hidden-error") and in_view(page, "#hidden")
    assert state(page) == "idle"
    page.fill("#hidden", "100,50")  # corrected: the mark and its text go
    page.wait_for_selector("#hidden:not([aria-invalid])", state="attached")
    assert page.is_hidden("#hidden-error")


def test_a_run_shorter_than_a_checkpoint_promises_none(pages):
    page, _ = pages.open()
    open_ready(page, pages.site)
    page.evaluate("""() => {
        const bar = document.querySelector('#message');
        window.__said = [];
        new MutationObserver(() => window.__said.push(bar.textContent)).observe(bar, { childList: true, characterData: true, subtree: true });
    }""")
    train_to_end(page, train_size=123, epochs=1)
    started = [text for text in page.evaluate("window.__said") if text.startswith("Training on 123 images")]
    assert started and "held-out images after each epoch." in started[0] and "every" not in started[0], started
    assert page.locator("#epoch-log tr[data-kind=checkpoint]").count() == 0


def test_the_loss_chart_shows_the_run_past_its_first_fall(pages):
    page, _ = pages.open()
    open_ready(page, pages.site)
    train_to_end(page, train_size=5000, epochs=2)
    chart = page.eval_on_selector("#loss-chart", """svg => ({
        top: Math.max(...[...svg.querySelectorAll('text.chart-tick[text-anchor=end]')].map((t) => Number(t.textContent))),
        ys: svg.querySelector('polyline').getAttribute('points').split(' ').map((p) => Number(p.split(',')[1])),
        clipped: svg.querySelector('polyline').getAttribute('clip-path') })""")
    # The first batches' loss (about ln 10 = 2.3) is above the y axis, cut off at its top; the rest fills the chart.
    assert chart["top"] < 2, chart["top"]
    plot_top, plot_bottom = 10, 190 - 24  # web/js/charts.js PAD in the 320x190 viewBox
    assert chart["ys"][0] < plot_top and chart["clipped"], chart
    tail = chart["ys"][len(chart["ys"]) // 10:]
    assert max(tail) - min(tail) > 0.25 * (plot_bottom - plot_top), "later improvement spans a good part of the height"
