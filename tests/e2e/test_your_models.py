""""Your models": each entry named from how its model was made, renamed in place, deleted with an Undo; the model in
use is never said to be kept once its record is gone."""

import io
import re

import numpy as np
import pytest

from mlp_core.modelio import load_model

from e2e_page import (NAME_BOX, PHONE, RUN_TIMEOUT_MS, active_model, clear_pad, download_model, draw_with_mouse, in_view,
                      message, open_ready, start_training, train_to_end, upload, wait_ready, wait_state)

pytestmark = pytest.mark.browser

# One record of the page's IndexedDB store as plain JSON (its bytes as their sha256), or null.
READ_RECORD = """async (id) => {
    const db = await new Promise((ok, fail) => { const r = indexedDB.open('mnist-mlp'); r.onsuccess = () => ok(r.result); r.onerror = () => fail(r.error); });
    const record = await new Promise((ok, fail) => { const r = db.transaction('runs').objectStore('runs').get(id); r.onsuccess = () => ok(r.result); r.onerror = () => fail(r.error); });
    db.close();
    if (!record) return null;
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', record.bytes));
    return { ...record, bytes: Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('') };
}"""

# Records as a page before named models kept them ("a finished run"), copies of the record `from` at the given times.
PUT_OLD_RECORDS = """async ({ from, times }) => {
    const db = await new Promise((ok, fail) => { const r = indexedDB.open('mnist-mlp'); r.onsuccess = () => ok(r.result); r.onerror = () => fail(r.error); });
    const store = () => db.transaction('runs', 'readwrite').objectStore('runs');
    const record = await new Promise((ok) => { const r = store().get(from); r.onsuccess = () => ok(r.result); });
    for (const [i, savedAt] of times.entries()) {
        await new Promise((ok, fail) => { const r = store().put({ id: `old-${i}`, bytes: record.bytes, label: 'a finished run', savedAt,
            sizes: record.sizes, accuracy: record.accuracy }); r.onsuccess = ok; r.onerror = () => fail(r.error); });
    }
    db.close();
}"""


def names(page) -> list[str]:
    return page.eval_on_selector_all("#saved-models .saved-name", "els => els.map(e => e.textContent)")


def ids(page) -> list[str]:
    return page.eval_on_selector_all("#saved-models li", "rows => rows.map(r => r.dataset.id)")


def wait_count(page, n: int) -> None:
    page.wait_for_selector(f'#saved-models[data-count="{n}"]', state="attached", timeout=60_000)


def in_use(page) -> list[str]:
    return page.eval_on_selector_all("#saved-models li[aria-current=true]", "rows => rows.map(r => r.dataset.id)")


def focused(page) -> str:
    """The focused element: its id, or its entry's id and action (a list's control), or its tag."""
    return page.evaluate("""() => { const e = document.activeElement;
        if (e && e.closest('#saved-models li')) return `${e.closest('li').dataset.id}:${e.dataset.action || e.tagName}`;
        return e ? (e.id || e.tagName) : ''; }""")


def upload_and_keep(page, name: str, data: bytes, count: int) -> None:
    """Upload a model file and wait until the page has kept it (the `count`-th entry) and is done measuring it."""
    upload(page, name, data)
    wait_count(page, count)
    page.wait_for_function("() => !document.querySelector('#message').textContent.includes('Measuring')", timeout=60_000)
    page.wait_for_function("() => !document.querySelector('#download-model').disabled")


def softened(path, factor: float = 0.5) -> bytes:
    """The model at `path` with its last layer's weights scaled down: it reads digits alike, with other probabilities
    (another factor, another file)."""
    with np.load(path, allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files}
    arrays["weights_2"] = arrays["weights_2"] * factor
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def probs_of(page, digit: int) -> np.ndarray:
    clear_pad(page)
    return np.array(draw_with_mouse(page, digit).probs)


def test_entries_are_named_from_how_their_model_was_made_and_namesakes_differ(pages, tmp_path):
    page, _ = pages.open()
    open_ready(page, pages.site)
    path = download_model(page, tmp_path)
    # Three files (the same file twice would be kept once): two of one name.
    for count, (name, data) in enumerate([("mine.npz", path.read_bytes()), ("mine.npz", softened(path)), ("other.npz", softened(path, 0.25))], start=1):
        upload_and_keep(page, name, data, count)
    train_to_end(page, train_size=5000, epochs=1, hidden="32")
    wait_count(page, 4)
    # The run's record is kept at each epoch ("1 of 1 epoch") and again, named as finished, once its test measure is in.
    page.wait_for_function("() => document.querySelector('#saved-models .saved-name')?.textContent === 'Trained here: 784-32-10, 1 epoch'")
    shown = names(page)
    assert shown[0] == "Trained here: 784-32-10, 1 epoch", shown  # newest first
    assert shown[1] == "Uploaded: other.npz", shown
    # Two uploads of one file: the name, then when each was saved (or #1, #2 within a minute).
    assert all(name.startswith("Uploaded: mine.npz, ") for name in shown[2:]) and shown[2] != shown[3], shown
    # Each control says which entry it acts on.
    labels = page.eval_on_selector_all("#saved-models [data-action=delete]", "bs => bs.map(b => b.getAttribute('aria-label'))")
    assert labels == [f"Delete {name}" for name in shown], labels

    # Records a page kept before names were made here ("a finished run") read apart too, by their dates.
    page.evaluate(PUT_OLD_RECORDS, {"from": ids(page)[0], "times": ["2024-01-02T10:00:00.000Z", "2024-01-03T10:00:00.000Z"]})
    page.reload()
    wait_ready(page)
    wait_count(page, 6)
    old = names(page)[-2:]
    assert all(name.startswith("A finished run, ") for name in old) and old[0] != old[1], old
    assert "2024" in old[0], "the same time of day on two days: the date tells them apart"

    # Used, an entry is named in the header as the list names it, and nothing there claims it is saved.
    page.click("#saved-models li:has-text('Uploaded: other.npz') [data-action=use]")
    page.wait_for_function("() => document.querySelector('#active-model').textContent.startsWith('Uploaded: other.npz (')")
    assert "saved" not in active_model(page), active_model(page)


def test_an_entry_is_renamed_in_place_with_the_keyboard_and_keeps_its_name(pages, tmp_path):
    page, _ = pages.open()
    open_ready(page, pages.site)
    upload_and_keep(page, "mine.npz", download_model(page, tmp_path).read_bytes(), 1)
    [entry] = ids(page)
    rename = f"#saved-models li[data-id='{entry}'] [data-action=rename]"

    page.focus(rename)
    page.keyboard.press("Enter")
    field = page.locator("#saved-models input.saved-rename")
    assert focused(page) == f"{entry}:INPUT"
    assert field.input_value() == "Uploaded: mine.npz"
    assert field.evaluate("f => [f.selectionStart, f.selectionEnd]") == [0, len("Uploaded: mine.npz")], "typing replaces it"
    assert field.get_attribute("aria-label") == "New name for Uploaded: mine.npz"
    help_id = field.get_attribute("aria-describedby")  # how to keep, cancel or empty it, said to screen readers
    assert "Escape" in page.eval_on_selector(f"#{help_id}", "e => e.textContent"), help_id
    page.keyboard.type("  My   best 7s ")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('#saved-models .saved-name')?.textContent === 'My best 7s'")
    assert focused(page) == f"{entry}:rename", "the keyboard stays on the entry's Rename"
    # The header and the message bar follow the list (waited on: a busy machine draws them a moment apart).
    page.wait_for_function("() => document.querySelector('#active-model').textContent.startsWith('My best 7s (')")
    page.wait_for_function("() => document.querySelector('#message').textContent.includes('Renamed “Uploaded: mine.npz” to “My best 7s”')")

    # Escape keeps the name it had.
    page.keyboard.press("Enter")
    page.keyboard.type("oops")
    page.keyboard.press("Escape")
    page.wait_for_function("(id) => document.activeElement?.closest('#saved-models li')?.dataset.id === id"
                           " && document.activeElement.dataset.action === 'rename'", arg=entry)  # focus comes back after the redraw
    assert names(page) == ["My best 7s"]

    page.reload()
    wait_ready(page)
    wait_count(page, 1)
    assert names(page) == ["My best 7s"], "the name is kept in the browser"
    page.wait_for_function("() => document.querySelector('#active-model').textContent.startsWith('My best 7s (')")

    # Left empty, the entry is named from how its model was made again.
    page.focus(rename)
    page.keyboard.press("Enter")
    page.keyboard.press("Backspace")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('#saved-models .saved-name')?.textContent === 'Uploaded: mine.npz'")
    page.wait_for_function("() => document.querySelector('#message').textContent.includes('named from how it was made again')")


def test_a_name_given_in_another_tab_stays_when_the_run_saves_again(pages):
    first, _ = pages.open()
    second = first.context.new_page()  # same browser storage, as two tabs are
    for page in (first, second):
        open_ready(page, pages.site)
    start_training(first, train_size=5000, epochs=6, hidden="16")
    wait_count(second, 1)  # the run's epochs so far, kept (a busy machine may be past the first)
    assert re.fullmatch(r"Trained here: 784-16-10, [1-5] of 6 epochs", names(second)[0]), names(second)
    second.click("#saved-models [data-action=rename]")
    second.keyboard.type("Night run")
    second.keyboard.press("Enter")
    second.wait_for_function("() => document.querySelector('#saved-models .saved-name')?.textContent === 'Night run'")
    assert wait_state(first, "idle", "error") == "idle", message(first)
    first.wait_for_function("() => document.querySelector('#saved-models .saved-name')?.textContent === 'Night run'")
    [entry] = ids(first)
    record = first.evaluate(READ_RECORD, entry)
    assert record["name"] == "Night run" and record["label"] == "Trained here: 784-16-10, 6 epochs", record


def test_deleting_the_model_in_use_can_be_undone_and_never_leaves_it_claimed(pages, tmp_path):
    page, _ = pages.open()
    open_ready(page, pages.site)
    shipped = active_model(page)
    shipped_probs = probs_of(page, 7)
    path = download_model(page, tmp_path)
    upload_and_keep(page, "other.npz", path.read_bytes(), 1)
    upload_and_keep(page, "soft.npz", softened(path), 2)
    soft, other = ids(page)
    assert in_use(page) == [soft]
    header = active_model(page)
    kept = page.evaluate(READ_RECORD, soft)
    soft_probs = probs_of(page, 7)
    assert not np.allclose(soft_probs, shipped_probs, atol=1e-4)

    # With the keyboard, as the model in use: it goes at once, the pretrained model answers, Undo is offered and focused.
    page.focus(f"#saved-models li[data-id='{soft}'] [data-action=delete]")
    page.keyboard.press("Enter")
    wait_count(page, 1)
    page.wait_for_function("(shipped) => document.querySelector('#active-model').textContent.trim() === shipped", arg=shipped)
    assert "the pretrained model answers" in message(page)[1], message(page)
    assert in_use(page) == [] and page.evaluate(READ_RECORD, soft) is None
    assert page.is_visible("#saved-undo") and page.inner_text("#saved-undo-text") == "Deleted “Uploaded: soft.npz”."
    page.wait_for_function("() => document.activeElement?.id === 'undo-delete'")
    np.testing.assert_allclose(probs_of(page, 7), shipped_probs, atol=1e-6)

    page.focus("#undo-delete")
    page.keyboard.press("Enter")
    wait_count(page, 2)
    page.wait_for_function("(h) => document.querySelector('#active-model').textContent.trim() === h", arg=header)
    assert page.is_hidden("#saved-undo")
    assert page.evaluate(READ_RECORD, soft) == kept, "Undo puts back the very record"
    assert in_use(page) == [soft] and names(page) == ["Uploaded: soft.npz", "Uploaded: other.npz"]
    assert focused(page) == f"{soft}:delete", "the keyboard is back where it was"
    np.testing.assert_allclose(probs_of(page, 7), soft_probs, atol=1e-6)

    # Another entry than the one in use: only its record goes, and comes back.
    page.click(f"#saved-models li[data-id='{other}'] [data-action=delete]")
    wait_count(page, 1)
    assert active_model(page) == header and in_use(page) == [soft]
    page.click("#undo-delete")
    wait_count(page, 2)
    assert in_use(page) == [soft] and active_model(page) == header

    # Not taken back: once focus and pointer leave it, the offer ends, and a reload restores the pretrained model.
    page.click(f"#saved-models li[data-id='{soft}'] [data-action=delete]")
    page.wait_for_function("(shipped) => document.querySelector('#active-model').textContent.trim() === shipped", arg=shipped)
    page.mouse.move(0, 0)
    page.focus("#pad")
    page.wait_for_selector("#saved-undo", state="hidden", timeout=30_000)
    page.reload()
    wait_ready(page)
    assert active_model(page) == shipped
    assert ids(page) == [other] and in_use(page) == []


def test_your_models_wait_while_your_digits_are_learned(pages, tmp_path):
    """Learning your digits tunes the model in use: Use, Rename, Delete and Undo wait until it is done."""
    page, _ = pages.open()
    open_ready(page, pages.site)
    upload_and_keep(page, "base.npz", download_model(page, tmp_path).read_bytes(), 1)
    page.evaluate("""() => {
        window.__locked = [];
        const teach = document.querySelector('#teach');
        new MutationObserver(() => {
            if (!['learning', 'measuring'].includes(teach.dataset.state)) return;
            window.__locked.push([...document.querySelectorAll('#saved-models button, #undo-delete')].every((b) => b.disabled));
        }).observe(teach, { attributeFilter: ['data-state'] });
    }""")
    draw_with_mouse(page, 1)
    page.click('#teach button[data-digit="7"]')
    page.wait_for_selector('#teach[data-count="1"]', state="attached")
    page.click("#teach-learn")
    page.wait_for_selector('#teach[data-state="done"], #teach[data-state="error"]', state="attached", timeout=RUN_TIMEOUT_MS)
    assert page.get_attribute("#teach", "data-state") == "done", message(page)
    locked = page.evaluate("window.__locked")
    assert locked and all(locked), locked
    # Then every control is back, but the Use of the tuned model, which is the one in use now.
    page.wait_for_function("() => [...document.querySelectorAll('#saved-models li:not([aria-current]) button,"
                           " #saved-models li[aria-current] button:not([data-action=use])')].every((b) => !b.disabled)")


ENABLED = "(selector) => !document.querySelector(selector).disabled"


def use_of(entry: str) -> str:
    return f"#saved-models li[data-id='{entry}'] [data-action=use]"


def test_the_model_in_use_has_no_use_and_the_keyboard_goes_on_to_rename(pages, tmp_path):
    """The entry in use offered to Use the model that answers already. Its Use is disabled, and enabled again once
    another is used; pressed with the keyboard, Use hands the focus to its entry's Rename, not to the page's top."""
    page, _ = pages.open()
    open_ready(page, pages.site)
    path = download_model(page, tmp_path)
    upload_and_keep(page, "first.npz", path.read_bytes(), 1)
    upload_and_keep(page, "second.npz", softened(path), 2)  # another file: the same one would be kept once
    second, first = ids(page)
    assert in_use(page) == [second]
    assert page.is_disabled(use_of(second)) and page.is_enabled(use_of(first))

    page.focus(use_of(first))
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('#active-model').textContent.startsWith('Uploaded: first.npz (')")
    page.wait_for_function(ENABLED, arg=use_of(second))  # the list is unlocked: Use is done
    assert in_use(page) == [first] and page.is_disabled(use_of(first))
    page.wait_for_function("(id) => document.activeElement?.closest('#saved-models li')?.dataset.id === id"
                           " && document.activeElement.dataset.action === 'rename'", arg=first)

    page.click(use_of(second))
    page.wait_for_function(ENABLED, arg=use_of(first))
    assert in_use(page) == [second] and page.is_disabled(use_of(second))

    page.click("#reset")  # the pretrained model answers: every entry can be used
    page.wait_for_function("() => [...document.querySelectorAll('#saved-models [data-action=use]')].every((b) => !b.disabled)")
    assert in_use(page) == []


# The name of the model that answers, once the header says it in the words the list names the entry in use by
# (followed by its accuracy, once measured, and its shape unless the name says it).
NAMED_ALIKE = """(pattern) => {
    const row = document.querySelector('#saved-models li[aria-current=true] .saved-name');
    const header = document.querySelector('#active-model').textContent;
    const alike = row && (header === row.textContent || header.startsWith(`${row.textContent} (`));
    return alike && new RegExp(pattern).test(row.textContent) ? row.textContent : null;
}"""


def named_alike(page, pattern: str, timeout_ms: int = 60_000) -> str:
    return page.wait_for_function(NAMED_ALIKE, arg=pattern, timeout=timeout_ms).json_value()


def test_the_header_names_a_new_model_in_the_words_of_the_list(pages, tmp_path):
    """Uploaded, trained an epoch or stopped early, the model that answers is named in the header as "Your models"
    lists it, both by model-name.js's modelName (the header said "uploaded mine.npz", "training, live weights (epoch 1
    done)" and "trained here, stopped early", the list "Uploaded: mine.npz" and "… stopped at 0.64 of 3 epochs")."""
    page, _ = pages.open()
    open_ready(page, pages.site)
    upload_and_keep(page, "mine.npz", download_model(page, tmp_path).read_bytes(), 1)
    named_alike(page, r"^Uploaded: mine\.npz$")
    start_training(page, train_size=20000, epochs=20, hidden="16")
    named_alike(page, r"^Trained here: 784-16-10, \d+ of 20 epochs$", RUN_TIMEOUT_MS)  # once an epoch is kept
    page.click("#pause")  # a paused run stands still: Stop ends it early on any machine
    wait_state(page, "paused", timeout_ms=30_000)
    page.click("#stop")
    assert wait_state(page, "idle", "error") == "idle", message(page)
    named_alike(page, r"^Trained here: 784-16-10, stopped at [\d.]+ of 20 epochs$")


HEADER_IS = "(name) => document.querySelector('#active-model').textContent === name"


def test_the_pretrained_model_is_named_as_any_other(pages, built_site, tmp_path):
    """The header named the pretrained model with a label of its own, "pretrained (784-512-256-10, 99.1% test)",
    while every other model is named by model-name.js's modelName ("Uploaded: mine.npz (784-512-256-10, 99.1% test)").
    It is named by modelName too, with its shape and accuracy: on opening, after Reset and once the model in use is
    deleted."""
    shipped = load_model(built_site / "model" / "pretrained.npz")
    named = f"Pretrained: {'-'.join(map(str, shipped.sizes))} ({100 * shipped.metadata['test_accuracy']:.1f}% test)"
    page, _ = pages.open()
    open_ready(page, pages.site)
    assert active_model(page) == named
    upload_and_keep(page, "mine.npz", download_model(page, tmp_path).read_bytes(), 1)
    named_alike(page, r"^Uploaded: mine\.npz$")
    page.click("#reset")
    page.wait_for_function(HEADER_IS, arg=named)
    page.click("#saved-models [data-action=use]")
    named_alike(page, r"^Uploaded: mine\.npz$")
    page.click("#saved-models [data-action=delete]")  # the model in use: the pretrained one answers
    page.wait_for_function(HEADER_IS, arg=named)


LONG_NAME = "My best model of all, trained on a rainy Sunday night, v2.0!"  # NAME_MAX (models.js) characters

# The header's model name: its text's size against its box's, and where the header ends and the pad begins.
HEADER = """() => {
    const root = document.documentElement;
    return { name: (NAME_BOX)(),
             header: document.querySelector('.site-header').getBoundingClientRect().bottom + scrollY,
             pad: document.querySelector('#pad').getBoundingClientRect().top + scrollY, page: [root.scrollWidth, root.clientWidth] };
}""".replace("NAME_BOX", NAME_BOX)


# A small tablet, a tablet upright and laptops: below 1240 px the status has a row of its own, from 1240 px it is beside
# the title, as on a phone on its side (844x390).
HEADER_SIZES = [(560, 900), (768, 1024), (1024, 768), (1240, 800), (1280, 800), (1366, 768), (1440, 900), (1920, 1080), (844, 390)]
# Phones upright, as test_phone.py opens them: the status has rows of its own under the title.
PHONE_SIZES = [(390, 844), (375, 667), (360, 740)]


def header_at_each_size(page, sizes=HEADER_SIZES) -> dict:
    """HEADER at each of the sizes, the window resized to it."""
    measured = {}
    for width, height in sizes:
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_function("([w, h]) => innerWidth === w && innerHeight === h", arg=[width, height])
        measured[f"{width}x{height}"] = page.evaluate(HEADER)
    return measured


@pytest.mark.parametrize("where", ["laptops", "phones"])
def test_a_long_name_is_read_whole_in_the_header(pages, tmp_path, where):
    """A long name (one of yours, with the model's shape and accuracy after it) was cut with "…" in the header at
    768x1024, and on its one line at 1240-1439 px (~810 px of text in 650-780): at every size it is read whole on two
    lines, and the header keeps the height it had with the pretrained model's name. On phones (360-390 px) its two
    lines of their own under the status pill cut it too (~640 px of text in 328-358 px): it starts on the pill's line
    and is read whole on three, the header still as high as with the pretrained model's name."""
    context, sizes = {"laptops": (dict(viewport={"width": 768, "height": 1024}), HEADER_SIZES),
                      "phones": (PHONE, PHONE_SIZES)}[where]
    page, _ = pages.open(**context)
    open_ready(page, pages.site)
    before = header_at_each_size(page, sizes)
    upload_and_keep(page, "mine.npz", download_model(page, tmp_path).read_bytes(), 1)
    page.click("#saved-models [data-action=rename]")
    page.keyboard.type(LONG_NAME)
    page.keyboard.press("Enter")
    page.wait_for_function("(name) => document.querySelector('#active-model').textContent.startsWith(`${name} (`)", arg=LONG_NAME)
    for size, after in header_at_each_size(page, sizes).items():
        width, box_width, height, box_height = after["name"]
        assert width <= box_width and height <= box_height, f"the name is cut at {size}: {width}x{height} px of text in {box_width}x{box_height}"
        was = before[size]
        assert (after["header"], after["pad"]) == (was["header"], was["pad"]), f"the header grew with the name at {size}: {was} -> {after}"
        assert after["page"][0] <= after["page"][1], f"the page overflows sideways at {size}: {after['page']}"


def tap(page, selector: str) -> None:
    """A finger's tap on the middle of the element, scrolled into sight first."""
    element = page.locator(selector)
    element.scroll_into_view_if_needed()
    box = element.bounding_box()
    page.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


BAR_OUT_OF_SIGHT = "() => document.querySelector('#message').getBoundingClientRect().bottom <= 0"
TOAST_SAYS = "(text) => { const t = document.querySelector('#toast'); return !t.hidden && t.textContent === text; }"


def test_the_pretrained_model_is_listed_first_and_going_back_to_it_is_said_where_you_are(pages, tmp_path):
    """On a phone the only way back to the pretrained model was Reset in the Train card, said only in the message bar
    at the page's top, out of sight. "Your models" lists it first, named as the header names it, with Use only (it is
    not kept in this browser); used, it is marked in use and a reload restores it, as after Reset; a model switch made
    far from the bar (that Use, Reset) is said at the window's foot too."""
    page, _ = pages.open(**PHONE)
    open_ready(page, pages.site)
    shipped = active_model(page)
    upload_and_keep(page, "soft.npz", softened(download_model(page, tmp_path)), 1)
    [soft] = ids(page)
    entry = page.locator("#saved-pretrained li")
    assert entry.count() == 1, "\"Your models\" does not list the pretrained model"
    name = entry.locator(".saved-name").text_content()
    assert re.fullmatch(r"Pretrained: 784(-\d+)+-10", name) and shipped.startswith(f"{name} ("), (name, shipped)
    assert entry.locator("button").evaluate_all("bs => bs.map(b => b.dataset.action)") == ["use"], "nothing to rename or delete"
    assert entry.bounding_box()["y"] < page.locator(f"#saved-models li[data-id='{soft}']").bounding_box()["y"], "listed first"
    assert in_use(page) == [soft] and entry.get_attribute("aria-current") is None

    tap(page, "#saved-pretrained [data-action=use]")
    assert page.evaluate(BAR_OUT_OF_SIGHT), "the Use tapped here is out of the bar's sight"
    page.wait_for_function(HEADER_IS, arg=shipped)
    said = f"“{name}” now answers the drawing pad."
    page.wait_for_function(TOAST_SAYS, arg=said)
    assert message(page) == ("info", said) and in_view(page, "#toast")
    assert entry.get_attribute("aria-current") == "true" and in_use(page) == []
    assert page.is_disabled("#saved-pretrained [data-action=use]") and page.is_enabled(use_of(soft))
    page.reload()
    wait_ready(page)
    assert active_model(page) == shipped, "as after Reset, a reload restores the pretrained model"
    page.wait_for_function("() => document.querySelector('#saved-pretrained li')?.getAttribute('aria-current') === 'true'")

    # Reset, in the Train card far below the bar, is said there too.
    tap(page, use_of(soft))
    page.wait_for_function("() => document.querySelector('#active-model').textContent.startsWith('Uploaded: soft.npz (')")
    page.wait_for_function(ENABLED, arg="#reset")
    tap(page, "#reset")
    assert page.evaluate(BAR_OUT_OF_SIGHT), "Reset is out of the bar's sight"
    page.wait_for_function(HEADER_IS, arg=shipped)
    page.wait_for_function(TOAST_SAYS, arg=message(page)[1])
    assert message(page)[1].startswith("Back to the pretrained model.") and in_view(page, "#toast")
    assert entry.get_attribute("aria-current") == "true" and in_use(page) == []


def upload_and_wait_for_its_word(page, name: str, data: bytes) -> str:
    """Upload a file and wait for the page's last word on it (after its measure, if it is kept anew)."""
    upload(page, name, data)
    said = page.wait_for_function("""(name) => { const text = document.querySelector('#message').textContent;
        return text.includes(name) && !text.includes('Reading') && !text.includes('Measuring') && text; }""", arg=name, timeout=60_000)
    page.wait_for_function("() => !document.querySelector('#download-model').disabled")
    return said.json_value()


def test_an_upload_of_a_kept_models_file_uses_that_entry_and_keeps_no_copy(pages, tmp_path):
    """The same file uploaded twice, or an entry's own download uploaded back, made a copy each time ("Uploaded: …"
    twice, the older one still showing the file's claim). The entry that holds it answers instead, and the page says so."""
    page, _ = pages.open()
    open_ready(page, pages.site)
    path = download_model(page, tmp_path)
    soft = softened(path)
    upload_and_keep(page, "soft.npz", soft, 1)
    upload_and_keep(page, "mine.npz", path.read_bytes(), 2)
    mine, kept = ids(page)
    record = page.evaluate(READ_RECORD, kept)

    said = upload_and_wait_for_its_word(page, "soft.npz", soft)  # the very file again
    assert ids(page) == [mine, kept], f"a copy was kept: {names(page)}"
    assert said == "soft.npz is in “Your models” already, as “Uploaded: soft.npz”: it answers the drawing pad, and no copy was kept.", said
    assert in_use(page) == [kept] and active_model(page).startswith("Uploaded: soft.npz ("), active_model(page)
    assert page.evaluate(READ_RECORD, kept) == record, "the entry is left as it was"

    page.click(use_of(mine))
    page.wait_for_function(ENABLED, arg=use_of(kept))
    downloaded = download_model(page, tmp_path)  # the entry in use, as a download writes it
    said = upload_and_wait_for_its_word(page, "copy-of-mine.npz", downloaded.read_bytes())
    assert ids(page) == [mine, kept], f"a copy was kept: {names(page)}"
    assert "already, as “Uploaded: mine.npz”" in said and in_use(page) == [mine], said


def test_why_download_and_upload_wait_is_said_beside_them(pages, tmp_path):
    """While an upload is measured on MNIST test (~11 s on a phone) Download and Upload were greyed, and why was said only
    in the message bar at the page's top: a line beside them says it, and is their description."""
    page, _ = pages.open()
    open_ready(page, pages.site)
    upload(page, "soft.npz", softened(download_model(page, tmp_path)))
    page.wait_for_function("""() => document.querySelector('#download-model').disabled
        && document.querySelector('#message').textContent.includes('Measuring')""", timeout=60_000)
    shown = page.evaluate("""() => { const wait = document.querySelector('#keep-wait');
        return { upload: document.querySelector('#upload-model').disabled, wait: wait && wait.checkVisibility() && wait.textContent }; }""")
    assert shown["upload"] and shown["wait"], f"nothing beside the greyed buttons says why: {shown}"
    assert "measured" in shown["wait"], shown
    for control in ("#download-model", "#upload-model"):
        assert "keep-wait" in (page.get_attribute(control, "aria-describedby") or "").split(), control
    page.wait_for_function("() => !document.querySelector('#download-model').disabled", timeout=60_000)
    assert page.is_hidden("#keep-wait")
