"""Teach it your handwriting: correct a reading, keep your digits, learn them, keep all of it."""

import io
import json
import re

import numpy as np
import pytest

from e2e_page import (RUN_TIMEOUT_MS, active_model, draw_strokes_with_mouse, draw_with_mouse, in_view, message, open_ready,
                      pad_box, wait_ready)
from e2e_strokes import DASH

pytestmark = pytest.mark.browser


def count(page) -> int:
    return int(page.get_attribute("#teach", "data-count"))


def wait_count(page, n: int) -> None:
    page.wait_for_selector(f'#teach[data-count="{n}"]', state="attached")


def labels(page) -> list[int]:
    return page.eval_on_selector_all("#teach-gallery .teach-item", "els => els.map(e => Number(e.dataset.label))")


def correct(page, drawn: int, really: int) -> None:
    """Draw `drawn` on the pad and say it really is `really` with the button under the prediction."""
    before = count(page)
    draw_with_mouse(page, drawn)
    page.click(f'#teach button[data-digit="{really}"]')
    wait_count(page, before + 1)


def upload_digits(page, name: str, data: bytes) -> None:
    page.set_input_files("#teach-upload", {"name": name, "mimeType": "application/octet-stream", "buffer": data})


def test_correct_learn_reload_and_round_trip(pages, tmp_path):
    page, _ = pages.open()
    open_ready(page, pages.site)
    shipped = active_model(page)
    assert count(page) == 0 and page.get_attribute("#teach", "data-state") == "idle"
    assert page.is_disabled("#teach-learn"), "nothing to learn yet"

    correct(page, 1, 7)
    assert page.evaluate("document.activeElement.id") == "pad", "after a tap, the pad has the focus: draw or type on"
    correct(page, 4, 4)
    correct(page, 0, 6)
    assert labels(page) == [7, 4, 6]
    # The gallery shows each digit as the network saw it: an inked 28x28 picture.
    inked = page.eval_on_selector("#teach-gallery canvas", """c => {
        const d = c.getContext('2d').getImageData(0, 0, 28, 28).data;
        let dark = 0; for (let i = 0; i < d.length; i += 4) if (d[i] < 128) dark++; return dark; }""")
    assert inked > 10

    page.click('#teach-gallery .teach-item[data-label="4"] button[data-remove]')
    wait_count(page, 2)
    assert labels(page) == [7, 6]

    # The keyboard works too: a digit key corrects the drawing on the pad.
    draw_with_mouse(page, 3)
    page.locator("#pad").focus()
    page.keyboard.press("3")
    wait_count(page, 3)
    assert labels(page) == [7, 6, 3]

    page.click("#teach-learn")
    page.wait_for_selector('#teach[data-state="learning"]', state="attached")
    page.wait_for_selector('#teach[data-state="done"], #teach[data-state="error"]', state="attached", timeout=RUN_TIMEOUT_MS)
    assert page.get_attribute("#teach", "data-state") == "done", message(page)
    report = page.inner_text("#teach-report")
    assert "MNIST test: " in report and " before, " in report and re.search(r" after( \(.+\))?\.$", report), report
    assert re.search(r"in \d+\.\d s: it reads [0-3] of 3 as you labelled them \([0-3] of 3 before\)\.", report), report
    assert float(page.get_attribute("#teach-report", "data-mnist-after")) > 0.9
    assert in_view(page, "#teach-report"), "the outcome of learning is under the window's foot"
    tuned = active_model(page)
    assert tuned != shipped and tuned.startswith("Tuned on your 3 digits ("), tuned  # named as "Your models" will list it
    # Said once the tuned model is in IndexedDB.
    page.wait_for_function("() => document.querySelector('#message').textContent.includes('Learned your handwriting')")
    # "Your models" names it from how it was made: every digit given counts, those kept out to check it too.
    page.wait_for_function("() => document.querySelector('#saved-models .saved-name')?.textContent === 'Tuned on your 3 digits'")

    with page.expect_download() as download_info:
        page.click("#teach-download")
    path = tmp_path / "digits.npz"
    download_info.value.save_as(path)
    with np.load(path, allow_pickle=False) as npz:  # a plain .npz of uint8 arrays
        assert sorted(npz.files) == ["images", "labels"] and list(npz["labels"]) == [7, 6, 3]
        assert npz["images"].dtype == np.uint8 and npz["images"].shape == (3, 784)

    # The page keeps the digits and the tuned model for the next visit.
    page.reload()
    wait_ready(page)
    wait_count(page, 3)
    assert labels(page) == [7, 6, 3]
    assert active_model(page).startswith("Tuned on your 3 digits ("), active_model(page)  # named as "Your models" lists it
    assert page.inner_text("#teach-report") == report, "the tuned model's report is shown again after a reload"
    # A run stopped leaves the tuned model answering, and its report with it.
    page.click("#teach-learn")
    page.wait_for_selector('#teach[data-state="learning"]', state="attached")
    page.click("#teach-stop")
    page.wait_for_selector('#teach[data-state="idle"]', state="attached", timeout=RUN_TIMEOUT_MS)
    assert status(page)[1] == "Stopped: the model is unchanged." and page.inner_text("#teach-report") == report
    with page.expect_download() as model_download:
        page.click("#download-model")
    tuned_file = tmp_path / "tuned.npz"
    model_download.value.save_as(tuned_file)
    page.click("#reset")  # the pretrained model answers: the report was the tuned model's
    page.wait_for_function("() => document.querySelector('#teach-report').textContent === ''")
    assert active_model(page) == shipped
    # The report is in the tuned model's file: uploaded again, it shows again.
    page.set_input_files("#upload-model", {"name": "tuned.npz", "mimeType": "application/octet-stream",
                                           "buffer": tuned_file.read_bytes()})
    page.wait_for_function("(report) => document.querySelector('#teach-report').textContent === report", arg=report)

    for _ in range(3):
        page.click("#teach-gallery button[data-remove]")
    wait_count(page, 0)
    upload_digits(page, "digits.npz", path.read_bytes())
    wait_count(page, 3)
    assert labels(page) == [7, 6, 3]


def status(page) -> tuple[str, str]:
    """The teach card's own last message, by its buttons: (kind, text)."""
    return page.get_attribute("#teach-status", "data-kind"), page.inner_text("#teach-status").strip()


def test_the_card_says_what_happened_by_its_buttons_and_an_upload_adds_no_digit_twice(pages, tmp_path):
    page, _ = pages.open()
    open_ready(page, pages.site)
    assert draw_strokes_with_mouse(page, DASH).digit is not None and page.get_attribute("#prediction", "data-unsure") == "true"
    page.click('#teach button[data-digit="0"]')
    wait_count(page, 1)
    assert "unsure" in status(page)[1] and "read correctly" not in status(page)[1], status(page)
    correct(page, 4, 4)
    with page.expect_download() as download_info:
        page.click("#teach-download")
    mine = download_info.value.path().read_bytes()

    upload_digits(page, "mine.npz", mine)  # the same two digits again
    page.wait_for_function("() => document.querySelector('#teach-status').textContent.includes('from mine.npz')")
    assert status(page) == ("info", "Added 0 digits from mine.npz; 2 of its digits you had already were left out."), status(page)
    assert count(page) == 2 and labels(page) == [0, 4]

    upload_digits(page, "notes.npz", b"my shopping list, not digits")
    page.wait_for_selector("#teach-status[data-kind=error]", state="attached")
    assert "notes.npz was not loaded" in status(page)[1] and status(page)[1] == message(page)[1]
    page.locator("label[for=teach-upload]").scroll_into_view_if_needed()
    assert in_view(page, "#teach-status"), "by the upload button, its answer is in sight"
    assert count(page) == 2


def test_digits_wait_while_learning(pages):
    page, _ = pages.open()
    open_ready(page, pages.site)
    correct(page, 1, 7)
    correct(page, 4, 4)
    draw_with_mouse(page, 0)
    page.click("#teach-learn")
    page.wait_for_selector('#teach[data-state="learning"]', state="attached")
    assert page.is_disabled('#teach button[data-digit="6"]') and page.is_disabled("#teach-gallery button[data-remove]")
    page.keyboard.press("6")  # the key does what the disabled button would: nothing, and says why
    assert count(page) == 2 and "once it is done" in status(page)[1], status(page)
    page.wait_for_selector('#teach[data-state="done"], #teach[data-state="error"]', state="attached", timeout=RUN_TIMEOUT_MS)
    assert page.get_attribute("#teach", "data-state") == "done", message(page)
    assert count(page) == 2 and labels(page) == [7, 4]
    report = page.inner_text("#teach-report")
    assert report.startswith("Learned from 2 of your 2 digits") and "give one digit 5 examples: the 5th is kept out to check it on" in report, report
    page.keyboard.press("6")  # done: the drawing on the pad can be kept now
    wait_count(page, 3)


def test_learning_firmly_is_said_and_kept_with_the_model(pages):
    page, _ = pages.open()
    open_ready(page, pages.site)
    correct(page, 1, 7)
    correct(page, 4, 4)
    assert not page.is_checked("#teach-firm"), "gentle unless asked"
    page.check("#teach-firm")
    assert status(page)[1].startswith("Firmly: it follows your digits even where they look like another MNIST digit"), status(page)
    page.click("#teach-learn")
    page.wait_for_selector('#teach[data-state="learning"]', state="attached")
    assert page.is_disabled("#teach-firm"), "how firmly is chosen before the click, not during the run"
    page.wait_for_selector('#teach[data-state="done"], #teach[data-state="error"]', state="attached", timeout=RUN_TIMEOUT_MS)
    assert page.get_attribute("#teach", "data-state") == "done", message(page)
    report = page.inner_text("#teach-report")
    # The worker says how firmly it learned (tune_done's strength, from mlp_core.finetune), not the checkbox.
    assert report.startswith("Learned firmly from 2 of your 2 digits"), report
    assert active_model(page).startswith("Tuned firmly on your 2 digits ("), active_model(page)
    # What MNIST's drop is made of: the ways the original model read right and the tuned one does not, 2 images or more.
    ways = [w for w in json.loads(page.get_attribute("#teach-report", "data-mnist-lost")) if w[2] >= 2]
    said = ", ".join(f"{n} of its {d}s now read as {r}" if i == 0 else f"{n} of its {d}s as {r}" for i, (d, r, n) in enumerate(ways))
    assert report.endswith(f"after ({said}).") if ways else report.endswith(" after."), (report, ways)
    assert page.get_attribute("#teach-report", "data-strength") == "firm" and page.is_enabled("#teach-firm")
    page.wait_for_function("() => document.querySelector('#message').textContent.includes('Learned your handwriting')")
    page.reload()  # the kept model's report says it again
    wait_ready(page)
    page.wait_for_function("(report) => document.querySelector('#teach-report').textContent === report", arg=report)
    assert page.get_attribute("#teach-report", "data-strength") == "firm"
    names = page.eval_on_selector_all("#saved-models .saved-name", "els => els.map(e => e.textContent)")
    assert any(name.startswith("Tuned firmly on your 2 digits") for name in names), names


def npz(**arrays) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


HOSTILE = {
    "pickled": npz(images=np.array([{"x": 1}], dtype=object), labels=np.zeros(1, np.uint8)),
    "labels-out-of-range": npz(images=np.zeros((2, 784), np.uint8), labels=np.array([3, 200], np.uint8)),
    "garbage": bytes(range(256)) * 8,
}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_digits_files_are_refused(pages, kind):
    page, _ = pages.open()
    open_ready(page, pages.site)
    correct(page, 1, 1)
    upload_digits(page, f"{kind}.npz", HOSTILE[kind])
    page.wait_for_selector("#message[data-kind=error]", state="attached")
    text = message(page)[1]
    assert f"{kind}.npz was not loaded" in text and "unchanged" in text, text
    assert count(page) == 1


def test_teach_buttons_fit_a_phone(pages):
    page, _ = pages.open(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    open_ready(page, pages.site)
    width = page.evaluate("document.documentElement.clientWidth")
    boxes = [page.locator(f'#teach button[data-digit="{d}"]').bounding_box() for d in range(10)]
    assert all(b["x"] >= 0 and b["x"] + b["width"] <= width for b in boxes)
    assert min(b["height"] for b in boxes) >= 40 and min(b["width"] for b in boxes) >= 40  # finger-sized
    pad_box(page)


def test_data_is_loaded_ahead_the_pad_still_answers_and_learning_works_offline(pages):
    page, watch = pages.open()
    open_ready(page, pages.site)
    assert page.get_attribute("#teach", "data-prepared") == "none", "nothing to learn yet: nothing loaded ahead"
    shards = []  # data shards requested (the worker's requests are reported as the page's)
    page.on("request", lambda request: shards.append(request.url) if ".bin.gz" in request.url else None)
    correct(page, 1, 7)  # the first kept digit starts loading the fine-tuning's data in the worker
    assert page.get_attribute("#teach", "data-prepared") in ("loading", "ready")
    assert draw_with_mouse(page, 4).digit is not None, "the pad answers while the data loads"
    page.click('#teach button[data-digit="4"]')
    wait_count(page, 2)
    page.wait_for_selector('#teach[data-prepared="ready"]', state="attached", timeout=RUN_TIMEOUT_MS)
    assert len({url.rsplit("/", 1)[1] for url in shards}) == 5, shards  # replay 2, calibration tail 1, test 2: before any click
    assert draw_with_mouse(page, 0).digit is not None, "and after"
    correct(page, 0, 6)

    # Every state the card passes through, with its report line and the model answering at that moment.
    page.evaluate("""() => {
        window.teachStates = [];
        const teach = document.querySelector('#teach');
        new MutationObserver(() => window.teachStates.push({ state: teach.dataset.state,
            report: document.querySelector('#teach-report').textContent,
            model: document.querySelector('#active-model').textContent })).observe(teach, { attributeFilter: ['data-state'] });
    }""")
    shards.clear()  # from the click on, no shard may be asked for
    page.context.set_offline(True)  # what the click needs is in the worker already
    page.click("#teach-learn")
    page.wait_for_selector('#teach[data-state="done"], #teach[data-state="error"]', state="attached", timeout=RUN_TIMEOUT_MS)
    assert page.get_attribute("#teach", "data-state") == "done", message(page)
    assert shards == [], shards
    states = page.evaluate("window.teachStates")
    assert [s["state"] for s in states] == ["learning", "measuring", "done"], states
    measuring, done = states[1], states[2]
    # The tuned model answers while MNIST test is measured; `done` only once the report line is whole.
    assert measuring["model"].startswith("Tuned on your 3 digits (") and re.search(r"MNIST test: [\d.]+% before, measuring after…$", measuring["report"]), measuring
    assert "measuring" not in done["report"] and re.search(r"MNIST test: [\d.]+% before, [\d.]+% after( \(.+\))?\.$", done["report"]), done
    assert float(page.get_attribute("#teach-report", "data-mnist-after")) > 0.9
    assert in_view(page, "#teach-report"), "the outcome of learning is under the window's foot"
    assert draw_with_mouse(page, 3).digit is not None, "the tuned model answers the pad"
    page.context.set_offline(False)
    watch.allow_console_error(r"Failed to (fetch|load resource)|ERR_INTERNET_DISCONNECTED")


# Each message of the page's Python worker goes to `window.beforeThePage(data)` first, before the page's own handler
# sees it: a test acts at an exact point of the worker's run (the worker's next step is its own; the page's is held).
SEE_WORKER_FIRST = """(() => {
    const Native = window.Worker;
    window.Worker = class extends Native {
        constructor(url, options) {
            super(url, options);
            if (options && options.name === "python") this.addEventListener("message", (event) => window.beforeThePage?.(event.data));
        }
    };
})()"""


def learn_and_stop(page, when: str) -> dict:
    """Click Learn on the kept digits and Stop at `when` (a JS condition on `data`, a message of the worker, with the
    page as it is once it has handled it or, `before the page:` first, just before); how the card looked at the tap."""
    early = when.startswith("before the page:")
    condition = when.removeprefix("before the page:")
    page.evaluate("""([condition, early]) => {
        const met = new Function("data", `return ${condition};`);
        window.beforeThePage = (data) => {
            if (window.stoppedAt || !met(data)) return;
            const tap = () => {
                const stop = document.querySelector('#teach-stop');
                window.stoppedAt = { state: document.querySelector('#teach').dataset.state, enabled: !stop.disabled,
                    bar: document.querySelector('#teach-progress').value, status: document.querySelector('#teach-status').textContent };
                stop.click();
            };
            if (early) tap(); else setTimeout(tap);  // setTimeout: once the page's own handler has shown it
        };
    }""", [condition, early])
    page.click("#teach-learn")
    page.wait_for_function("() => window.stoppedAt", timeout=RUN_TIMEOUT_MS)
    return page.evaluate("window.stoppedAt")


STEPS_DONE = "data.event === 'tune_progress' && data.step === data.steps && data.phase !== 'calibrate'"


@pytest.mark.parametrize("when", [STEPS_DONE, "before the page:data.event === 'tune_done' && !data.stopped"],
                         ids=["bar-full", "tuned-model-on-its-way"])
def test_a_stop_while_it_says_learning_leaves_the_model_unchanged(pages, when):
    page, _ = pages.open()
    page.add_init_script(SEE_WORKER_FIRST)
    open_ready(page, pages.site)
    shipped = active_model(page)
    correct(page, 1, 7)
    correct(page, 4, 4)
    page.wait_for_selector('#teach[data-prepared="ready"]', state="attached", timeout=RUN_TIMEOUT_MS)
    # bar-full: the steps are done, the tuned model is being made (the phone's "Stop just after 100%"). tuned-model-on-its-way:
    # the worker has sent the tuned model, the page has not shown it yet: the Stop reaches the worker while it measures it.
    at_tap = learn_and_stop(page, when)
    assert at_tap["state"] == "learning" and at_tap["enabled"], at_tap
    if when == STEPS_DONE:
        assert at_tap["bar"] == 1, at_tap
    page.wait_for_selector('#teach[data-state="idle"], #teach[data-state="done"], #teach[data-state="error"]', state="attached",
                           timeout=RUN_TIMEOUT_MS)
    assert (page.get_attribute("#teach", "data-state"), status(page)) == ("idle", ("info", "Stopped: the model is unchanged.")), (at_tap, status(page))
    assert active_model(page) == shipped and page.inner_text("#teach-report") == ""
    assert page.get_attribute("#saved-models", "data-count") == "0", "nothing tuned is kept"
    assert draw_with_mouse(page, 4).digit is not None, "the model answers the pad"
    assert active_model(page) == shipped


def test_after_its_steps_the_card_says_it_checks_and_the_time_said_is_the_wait(pages):
    page, _ = pages.open()
    open_ready(page, pages.site)
    correct(page, 1, 7)
    correct(page, 4, 4)
    correct(page, 0, 6)
    page.wait_for_selector('#teach[data-prepared="ready"]', state="attached", timeout=RUN_TIMEOUT_MS)
    # What the card shows from the click on: its line by the buttons and its bar, each change with the page's clock.
    page.evaluate("""() => {
        window.seen = [];
        const look = (what) => window.seen.push({ what, at: performance.now(), state: document.querySelector('#teach').dataset.state,
            status: document.querySelector('#teach-status').textContent, bar: document.querySelector('#teach-progress').value });
        new MutationObserver(() => look('status')).observe(document.querySelector('#teach-status'), { childList: true, characterData: true, subtree: true });
        new MutationObserver(() => look('bar')).observe(document.querySelector('#teach-progress'), { attributeFilter: ['value'] });
        new MutationObserver(() => look('state')).observe(document.querySelector('#teach'), { attributeFilter: ['data-state'] });
        document.querySelector('#teach-learn').addEventListener('click', () => look('click'), { capture: true });
    }""")
    page.click("#teach-learn")
    page.wait_for_selector('#teach[data-state="done"], #teach[data-state="error"]', state="attached", timeout=RUN_TIMEOUT_MS)
    assert page.get_attribute("#teach", "data-state") == "done", message(page)
    seen = page.evaluate("window.seen")
    click = next(s for s in seen if s["what"] == "click")
    answers = next(s for s in seen if s["state"] == "measuring")
    learning = [s for s in seen if s["state"] == "learning" and s["at"] <= answers["at"]]
    full = next(s for s in learning if s["bar"] == 1)  # the steps are done
    after = [s for s in learning if s["at"] > full["at"]]
    # From the steps' end until the tuned model answers, the card says what it does, and its bar moves again.
    assert any(s["status"].startswith("Learned. Checking how sure it should be of its answers") for s in after), learning
    assert any(s["bar"] < 1 for s in after), learning
    phases = json.loads(page.get_attribute("#teach-report", "data-phases"))
    waited = float(page.get_attribute("#teach-report", "data-seconds"))
    worked = sum(phases[name] for name in ("data", "start", "steps", "calibrate"))
    # The time said is the click's wait until the tuned model answers: every part of it, within the page's own wait.
    assert worked - 0.01 <= waited <= (answers["at"] - click["at"]) / 1000 + 0.01, (waited, phases, answers["at"] - click["at"])
    assert f"in {waited:.1f} s" in page.inner_text("#teach-report")
    assert phases["deform"] == 0, "made ahead of the click, the calibration images cost the click nothing"
