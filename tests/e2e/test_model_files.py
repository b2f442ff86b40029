"""Keeping work: download the model, upload it back, refuse bad files, survive a reload."""

import io
import json
import re

import numpy as np
import pytest

from e2e_page import (
    active_model,
    clear_pad,
    download_model,
    draw_with_mouse,
    in_view,
    message,
    open_ready,
    start_training,
    train_to_end,
    upload,
    wait_ready,
)

pytestmark = pytest.mark.browser


def probs_of(page, digit):
    clear_pad(page)
    return np.array(draw_with_mouse(page, digit).probs)


def npz_bytes(arrays: dict) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def model_arrays(path) -> dict:
    with np.load(path, allow_pickle=False) as npz:
        return {name: npz[name] for name in npz.files}


def largest_float_array(arrays: dict) -> str:
    return max((name for name, a in arrays.items() if a.dtype.kind == "f"), key=lambda name: arrays[name].size)


def with_nan_weight(arrays: dict) -> bytes:
    name = largest_float_array(arrays)
    poisoned = arrays[name].copy()
    poisoned.flat[poisoned.size // 2] = np.nan
    return npz_bytes({**arrays, name: poisoned})


def with_huge_weights(arrays: dict) -> bytes:
    """Finite weights so large (3e38) that every output overflows: the page must refuse the file."""
    name = largest_float_array(arrays)
    return npz_bytes({**arrays, name: np.full_like(arrays[name], 3e38)})


def with_header(arrays: dict, **metadata) -> dict:
    header = json.loads(arrays["model_json"].tobytes())
    header["metadata"].update(metadata)
    return {**arrays, "model_json": np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)}


def with_pickled_array(arrays: dict) -> bytes:
    """A model whose largest array is stored as an object array (np.savez pickles it)."""
    name = largest_float_array(arrays)
    as_objects = np.empty(arrays[name].shape, dtype=object)
    as_objects[...] = arrays[name]
    return npz_bytes({**arrays, name: as_objects})


@pytest.fixture(scope="module")
def model_page(module_pages):
    """One page for the file round trip and the bad files (each bad file must leave it as it was)."""
    page, _ = module_pages.open()
    open_ready(page, module_pages.site)
    # Count every rendering of #message, so that two errors in a row are told apart.
    page.evaluate("""() => {
        window.__messages = 0;
        new MutationObserver(() => { window.__messages += 1; }).observe(
            document.querySelector('#message'), {childList: true, characterData: true, subtree: true, attributes: true});
    }""")
    return page


def upload_and_wait_for_message(page, name: str, data: bytes) -> tuple[str, str]:
    """Upload, then wait for the page's last word on it (a loaded file is measured on MNIST test first)."""
    before = page.evaluate("window.__messages")
    upload(page, name, data)
    page.wait_for_function("n => window.__messages > n", arg=before, timeout=60_000)  # text and kind are set together
    page.wait_for_function("() => !document.querySelector('#message').textContent.includes('Measuring')", timeout=60_000)
    page.wait_for_function("() => !document.querySelector('#download-model').disabled")  # the upload's work is done
    return message(page)


def test_downloaded_model_loads_in_cpython_and_uploads_back_unchanged(model_page, tmp_path):
    from mlp_core import load_model

    page = model_page
    before = probs_of(page, 7)
    path = download_model(page, tmp_path)
    model = load_model(path)  # the same file format in CPython and in the page
    assert model.sizes[0] == 784 and model.sizes[-1] == 10
    # Named in the header's words, so that two models' files do not collide.
    assert path.name == f"mnist-mlp-pretrained-{'-'.join(map(str, model.sizes))}.npz"

    kind, text = upload_and_wait_for_message(page, "my-model.npz", path.read_bytes())
    assert kind != "error", text
    np.testing.assert_allclose(probs_of(page, 7), before, atol=1e-5)
    assert download_model(page, tmp_path).name == "mnist-mlp-uploaded-my-model.npz"


BAD_FILES = {
    "garbage": lambda arrays: bytes(range(256)) * 40,
    "pickled": with_pickled_array,
    "nan-weights": with_nan_weight,
    "huge-weights": with_huge_weights,
}


@pytest.mark.parametrize("kind", sorted(BAD_FILES))
def test_bad_upload_is_refused_and_changes_nothing(model_page, tmp_path, kind):
    page = model_page
    before = probs_of(page, 3)
    shown_before = active_model(page)
    bad = BAD_FILES[kind](model_arrays(download_model(page, tmp_path)))

    message_kind, text = upload_and_wait_for_message(page, f"{kind}.npz", bad)
    assert message_kind == "error" and text, f"{kind}: the page should refuse the file, it said {text!r}"
    assert active_model(page) == shown_before
    np.testing.assert_allclose(probs_of(page, 3), before, atol=1e-6)


def test_an_uploaded_files_accuracy_is_measured_not_taken_from_the_file(model_page, tmp_path):
    page = model_page
    arrays = model_arrays(download_model(page, tmp_path))
    scrambled = np.random.default_rng(0).permutation(arrays["weights_0"])  # finite, but reads digits badly
    data = npz_bytes(with_header({**arrays, "weights_0": scrambled}, test_accuracy=1.0))
    kind, text = upload_and_wait_for_message(page, "claims-100.npz", data)
    assert kind != "error", text
    shown = active_model(page)
    measured = re.search(r"([\d.]+)% test", shown)
    assert measured and float(measured.group(1)) < 50, f"the header must show the measured accuracy: {shown!r}"
    assert "100.0%" not in shown


def test_a_files_teach_report_is_shown_only_when_sound(model_page, tmp_path):
    """A tuned model's file carries its report (mlp_core.finetune.keep_report); a file's metadata is anyone's: figures
    that are no numbers show no report and break nothing."""
    page = model_page
    arrays = model_arrays(download_model(page, tmp_path))
    report = {"taught": 8, "held_out": 2, "own_before": 0.5, "own_after": 1.0, "mnist_before": 0.99, "mnist_after": 0.985,
              "seconds": 2.5}
    kind, text = upload_and_wait_for_message(page, "tuned.npz", npz_bytes(with_header(arrays, finetuned={"report": report})))
    assert kind != "error", text
    assert page.inner_text("#teach-report") == ("Learned from 8 of your 10 digits in 2.5 s. On the 2 digits kept out to check it "
                                                "(every 5th of each digit), it read 1 of 2 right before and 2 of 2 after. "
                                                "MNIST test: 99.00% before, 98.50% after.")
    measured = {**report, "taught_read_before": 0.25, "taught_read_after": 0.875}  # a report kept since they are measured
    kind, text = upload_and_wait_for_message(page, "tuned2.npz", npz_bytes(with_header(arrays, finetuned={"report": measured})))
    assert kind != "error", text
    assert page.inner_text("#teach-report").startswith("Learned from 8 of your 10 digits in 2.5 s: it reads 7 of 8 as you "
                                                       "labelled them (2 of 8 before). On the 2 digits kept out")
    # Learned firmly, with what MNIST's drop is made of: ways of a single image are not worth a clause.
    firm = {**measured, "mnist_lost": [[7, 1, 22], [8, 6, 3]]}
    kind, text = upload_and_wait_for_message(page, "firm.npz", npz_bytes(with_header(arrays, finetuned={"report": firm, "strength": "firm"})))
    assert kind != "error", text
    shown = page.inner_text("#teach-report")
    assert shown.startswith("Learned firmly from 8") and shown.endswith("98.50% after (22 of its 7s now read as 1, 3 of its 8s as 6)."), shown
    bad = {**report, "seconds": "soon", "taught": "<b>8</b>"}
    kind, text = upload_and_wait_for_message(page, "odd.npz", npz_bytes(with_header(arrays, finetuned={"report": bad})))
    assert kind != "error", text
    assert page.inner_text("#teach-report") == ""
    clear_pad(page)
    assert draw_with_mouse(page, 7).digit is not None, "the page still answers drawings"


def test_an_upload_is_kept_at_once_so_a_reload_during_its_measure_brings_it_back(pages, tmp_path):
    page, _ = pages.open()
    open_ready(page, pages.site)
    data = download_model(page, tmp_path).read_bytes()
    upload(page, "mine.npz", data)
    page.wait_for_function("() => document.querySelector('#saved-models').dataset.count === '1'", timeout=60_000)
    assert "Measuring" in message(page)[1], message(page)  # kept before its MNIST measure ends
    page.reload()
    wait_ready(page)
    assert active_model(page).startswith("Uploaded: mine.npz ("), active_model(page)  # named as "Your models" lists it

def test_reload_keeps_the_last_trained_model(pages):
    page, _ = pages.open()
    open_ready(page, pages.site)
    shipped = active_model(page)
    train_to_end(page, train_size=5000, epochs=1)
    trained = active_model(page)
    assert trained != shipped
    before = probs_of(page, 2)

    page.reload()
    wait_ready(page)
    assert active_model(page) != shipped, f"after a reload the shipped model answers again: {active_model(page)!r}"
    np.testing.assert_allclose(probs_of(page, 2), before, atol=1e-5)


def test_reload_during_training_restores_the_model_of_the_last_completed_epoch(pages):
    page, _ = pages.open()
    open_ready(page, pages.site)
    shipped = active_model(page)
    start_training(page, train_size=5000, epochs=20)
    page.wait_for_selector("#epoch-log tbody tr[data-kind=epoch]", state="attached", timeout=120_000)  # epoch 1 is done and saved

    page.reload()
    wait_ready(page)
    restored = page.inner_text("#message")
    epoch = re.search(r"Restored “Trained here: [\d-]+, (\d+) of 20 epochs”", restored)
    assert epoch and 1 <= int(epoch.group(1)) < 20, f"expected the model of a completed epoch, the page said {restored!r}"
    assert active_model(page) != shipped
    assert page.get_attribute("body", "data-state") == "idle"  # the interrupted run is not resumed behind the user's back
    assert "reloaded during a training run" in restored, restored


def test_a_reload_before_the_first_epoch_ends_says_the_run_was_lost(pages):
    page, _ = pages.open()
    open_ready(page, pages.site)
    start_training(page, train_size=50000, epochs=20)  # the first epoch takes far longer than this test
    page.reload()
    wait_ready(page)
    text = message(page)[1]
    assert "before its first epoch" in text and "lost" in text, text
    assert active_model(page).startswith("Pretrained: "), active_model(page)


def test_two_tabs_keep_each_others_models_and_a_reset_deletes_nothing(pages):
    first, _ = pages.open()
    second = first.context.new_page()  # same browser storage, as two tabs are
    for page, hidden in ((first, "32"), (second, "48")):  # two architectures: the list tells them apart
        open_ready(page, pages.site)
        train_to_end(page, train_size=5000, epochs=1, hidden=hidden)
    second_model = active_model(second)
    first.click("#reset")
    first.wait_for_function("() => document.querySelector('#message').textContent.includes('pretrained')")
    for page in (first, second):
        page.wait_for_function("() => document.querySelector('#saved-models').dataset.count === '2'")
        details = page.inner_text("#saved-models")
        assert "784-32-10" in details and "784-48-10" in details and "% test" in details, details
    in_use = lambda page: page.eval_on_selector_all("#saved-models li[aria-current=true]", "rows => rows.map(r => r.innerText)")
    assert in_use(first) == [], in_use(first)  # after Reset the pretrained model answers
    second.reload()
    wait_ready(second)
    # Restored, it is named as it was when its run ended: as "Your models" lists it (its shape said once).
    assert active_model(second) == second_model, active_model(second)
    assert second_model.startswith("Trained here: 784-48-10, 1 epoch ("), second_model
    [row] = in_use(second)
    assert "784-48-10" in row and "In use" in row, row
    first.click("#saved-models li:has-text('784-32-10') [data-action=use]")
    first.wait_for_function("() => document.querySelector('#saved-models li[aria-current=true]')?.innerText.includes('784-32-10')")

    first.click("#saved-models li:last-child [data-action=delete]")
    second.wait_for_function("() => document.querySelector('#saved-models').dataset.count === '1'")


def test_a_refusal_said_while_the_message_bar_is_out_of_sight_is_shown_at_the_windows_foot(model_page):
    """Scrolled down to "Keep your model", the bar at the top is out of sight: the refusal is shown again in view."""
    page = model_page
    page.evaluate("window.scrollTo(0, 0)")
    upload_and_wait_for_message(page, "at-the-top.npz", BAD_FILES["garbage"]({}))
    assert page.locator("#toast").is_hidden()  # the bar itself was in sight
    page.locator("#keep-card").scroll_into_view_if_needed()
    page.wait_for_function("() => document.querySelector('#message').getBoundingClientRect().bottom < 0")
    kind, text = upload_and_wait_for_message(page, "further-down.npz", BAD_FILES["garbage"]({}))
    toast = page.locator("#toast")
    toast.wait_for(state="visible")
    assert kind == "error" and toast.text_content() == text and "further-down.npz was not loaded" in text
    assert in_view(page, "#toast")
    toast.click()
    toast.wait_for(state="hidden")
