"""A phone: the layout fits the screen, a finger can draw on the pad and correct its answer without scrolling."""

import pytest

from e2e_page import (PHONE, RUN_TIMEOUT_MS, SHOWN, download_model, draw_with_touch, fill_training_form, open_ready, train_to_end, upload,
                      wait_state)

pytestmark = pytest.mark.browser

PHONES = {"390x844": PHONE,
          "360x740": dict(viewport={"width": 360, "height": 740}, device_scale_factor=2, is_mobile=True, has_touch=True),
          "375x667": dict(viewport={"width": 375, "height": 667}, device_scale_factor=2, is_mobile=True, has_touch=True)}
# Phones on their side: at 915x412 the page has two columns, the draw card in one.
SIDEWAYS = {"844x390": dict(viewport={"width": 844, "height": 390}, device_scale_factor=3, is_mobile=True, has_touch=True),
            "915x412": dict(viewport={"width": 915, "height": 412}, device_scale_factor=3, is_mobile=True, has_touch=True)}
# The pad's least side on a phone: a finger still draws a digit comfortably on it.
PAD_FLOOR = 200
ANSWER_AND_CORRECTIONS = ["#prediction", "#confidence", "#teach-title", *(f'#teach button[data-digit="{d}"]' for d in range(10))]
TRAIN_FIELDS = ["#hidden", "#optimizer", "#lr", "#batch", "#epochs", "#train-size", "#cores"]


def off_screen(shown, width, height, edge=0.5):
    """SHOWN's entries whose box leaves the window by more than ``edge`` px: a pad scrolled into view, its top at a
    fraction of a pixel, may end 0.1 px past the window's foot, which no eye sees."""
    return [(e["s"], e["box"]) for e in shown if not (-edge <= e["box"][0] and -edge <= e["box"][1]
                                                       and e["box"][2] <= width + edge and e["box"][3] <= height + edge)]


def test_phone_layout_fits_and_pad_takes_touch_drawing(pages):
    page, _ = pages.open(**PHONE)
    open_ready(page, pages.site)

    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than the phone screen"
    box = page.locator("#pad").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390, f"the pad does not fit the screen: {box}"

    # Watch which kind of pointer reaches the pad, and whether the page scrolls instead of drawing.
    page.evaluate("""() => {
        window.__pointerTypes = [];
        document.querySelector('#pad').addEventListener('pointerdown', e => window.__pointerTypes.push(e.pointerType));
    }""")
    page.locator("#pad").scroll_into_view_if_needed()
    scroll_before = page.evaluate("window.scrollY")
    cdp = page.context.new_cdp_session(page)
    prediction = draw_with_touch(page, cdp, 7)

    assert page.evaluate("window.__pointerTypes") == ["touch"]
    assert page.evaluate("window.scrollY") == scroll_before, "the finger scrolled the page instead of drawing"
    assert prediction.digit == 7, f"drew 7 with a finger, bars {prediction.probs}"


def test_a_finger_reaches_undo_and_clear_across_44_px(pages):
    """Undo and Clear sit in the draw card's head and look 32 px tall; a finger's tap up to 6 px above or below
    them still lands on them (a 44 px tall target), and a finger's tap on Clear clears the pad."""
    page, _ = pages.open(**PHONE)
    open_ready(page, pages.site)
    cdp = page.context.new_cdp_session(page)
    draw_with_touch(page, cdp, 1)
    for button in ("#undo", "#clear"):
        box = page.locator(button).bounding_box()
        x = box["x"] + box["width"] / 2
        for y in (box["y"] - 5, box["y"] + box["height"] + 5):
            hit = page.evaluate("([x, y]) => document.elementFromPoint(x, y)?.closest('button')?.id", [x, y])
            assert hit == button[1:], f"a tap at y={y:.0f} next to {button} {box} reaches {hit}"
    box = page.locator("#clear").bounding_box()
    page.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] + 5)
    page.wait_for_function("document.querySelector('#pad').dataset.empty === 'true'")


@pytest.mark.parametrize("size", sorted(PHONES))
def test_the_answer_and_every_correction_button_are_on_the_first_screen(pages, size):
    """Draw with a finger on a page just opened, scrolling nothing: the digit read, how sure, the question under it
    and all ten buttons that correct it are inside the window, each button ready for a finger's 44 px tall tap, and
    the pad they share the screen with is no smaller than PAD_FLOOR."""
    page, _ = pages.open(**PHONES[size])
    open_ready(page, pages.site)
    draw_with_touch(page, page.context.new_cdp_session(page), 4)
    assert page.evaluate("scrollY") == 0, "drawing scrolled the page"
    width, height = page.viewport_size["width"], page.viewport_size["height"]
    shown = page.evaluate(SHOWN, ANSWER_AND_CORRECTIONS)
    outside = off_screen(shown, width, height)
    assert outside == [], f"out of the {size} window after drawing: {outside}"
    buttons = [e for e in shown if e["tall"] is not None]
    assert len(buttons) == 10 and not any(e["disabled"] for e in buttons), buttons
    short = [(e["s"], e["box"]) for e in buttons if not e["tall"]]
    assert short == [], f"tap targets under 44 px tall at {size}: {short}"
    pad = page.locator("#pad").bounding_box()
    assert min(pad["width"], pad["height"]) >= PAD_FLOOR, f"the pad is {pad['width']}x{pad['height']} at {size}"


def test_a_finger_reaches_the_train_cards_buttons_and_your_models_across_44_px(pages, tmp_path):
    """The presets and each entry's Use, Rename and Delete (and the rename field) were 32 px tall, Train, Pause, Stop
    and Reset 40 px: a finger's tap 21.75 px above or below the middle of each (a 44 px tall target) missed it."""
    page, _ = pages.open(**PHONE)
    open_ready(page, pages.site)
    upload(page, "mine.npz", download_model(page, tmp_path).read_bytes())
    page.wait_for_selector('#saved-models[data-count="1"]', state="attached", timeout=60_000)
    page.wait_for_function("() => !document.querySelector('#download-model').disabled")
    page.click("#reset")  # the pretrained model answers: the entry can be used
    page.wait_for_selector("#saved-models [data-action=use]")
    groups = [["#preset-fast", "#preset-tutorial"], ["#train", "#pause", "#stop", "#reset"],
              [f"#saved-models [data-action={action}]" for action in ("use", "rename", "delete")], ["#saved-models .saved-rename"]]
    short = []
    for group in groups:
        if group[0].endswith(".saved-rename"):
            page.locator("#saved-models [data-action=rename]").tap()
        page.locator(group[0]).scroll_into_view_if_needed()
        short += [(e["s"], round(e["box"][3] - e["box"][1], 1)) for e in page.evaluate(SHOWN, group) if not e["tall"]]
    assert short == [], f"controls under 44 px tall on a touch screen: {short}"


def test_a_finger_reaches_each_field_of_the_train_form_across_44_px(pages):
    """The Train form's fields were 38 px tall on a phone: a finger's tap 21.75 px above or below the middle of each
    (a 44 px tall target) missed it."""
    page, _ = pages.open(**PHONE)
    open_ready(page, pages.site)
    page.locator("#settings").scroll_into_view_if_needed()
    shown = page.evaluate(SHOWN, TRAIN_FIELDS)
    short = [(e["s"], round(e["box"][3] - e["box"][1], 1)) for e in shown if not e["tall"]]
    assert short == [], f"fields under 44 px tall on a touch screen: {short}"


@pytest.mark.parametrize("size", sorted(SIDEWAYS))
def test_a_phone_on_its_side_holds_the_pad_its_answer_and_the_buttons_correcting_it_on_one_screen(pages, size):
    """Once the pad is scrolled into view, as a browser does it, Undo and Clear, the whole pad, the digit read, how sure
    and the ten buttons correcting it are in sight together, each button a finger's 44 px tall target, and the loading
    times are gone as on a phone held upright. At 844x390 the buttons were under the pad, below the screen, with the
    right half of the card empty, Undo and Clear above the screen, and the loading times stayed, taking 72 px."""
    page, _ = pages.open(**SIDEWAYS[size])
    open_ready(page, pages.site)
    page.locator("#pad").scroll_into_view_if_needed()
    scrolled = page.evaluate("scrollY")
    draw_with_touch(page, page.context.new_cdp_session(page), 4)
    assert page.evaluate("scrollY") == scrolled, "drawing scrolled the page"
    width, height = page.viewport_size["width"], page.viewport_size["height"]
    shown = page.evaluate(SHOWN, ["#undo", "#clear", "#pad", *ANSWER_AND_CORRECTIONS])
    outside = off_screen(shown, width, height)
    assert outside == [], f"out of the {size} window with the pad in view: {outside}"
    short = [(e["s"], e["box"]) for e in shown if e["tall"] is False]
    assert short == [], f"tap targets under 44 px tall at {size}: {short}"
    loading = page.eval_on_selector_all("#loading li", "items => items.filter((li) => li.checkVisibility({ visibilityProperty: true })).map((li) => li.textContent)")
    assert loading == [], f"the loading times are still shown at {size}: {loading}"


@pytest.mark.parametrize("size", sorted(SIDEWAYS))
def test_a_phone_on_its_side_shows_most_of_the_pad_on_opening(pages, size):
    """On opening, before any scroll, at least half of the pad is on the screen. The header gave its status a row of
    its own (147 px of a 390 px screen) and only the pad's top 84 px (844x390) or 106 px (915x412) were in sight."""
    page, _ = pages.open(**SIDEWAYS[size])
    open_ready(page, pages.site)
    assert page.evaluate("scrollY") == 0
    top, bottom = page.eval_on_selector("#pad", "(pad) => { const box = pad.getBoundingClientRect(); return [box.top, box.bottom]; }")
    seen = min(bottom, page.viewport_size["height"]) - max(top, 0)
    assert seen >= (bottom - top) / 2, f"only {seen:.0f} of the pad's {bottom - top:.0f} px are on the first screen at {size}"


def test_the_epoch_log_scrolls_in_its_own_box_not_the_page(pages):
    """At 360x740 the epoch log's six columns (389 px) did not fit the train card (294 px inside): opened after a run,
    it made the whole page 422 px wide, scrolling sideways. The page keeps the phone's width; the table's box does."""
    page, _ = pages.open(**PHONES["360x740"])
    open_ready(page, pages.site)
    train_to_end(page, train_size=1000, epochs=1)
    page.locator(".epoch-log-wrap summary").scroll_into_view_if_needed()
    summary = page.evaluate(SHOWN, [".epoch-log-wrap summary"])[0]
    assert summary["tall"], f"the epoch log's toggle is no finger's 44 px tap: {summary['box']}"  # it was 21 px tall
    page.locator(".epoch-log-wrap summary").tap()
    page.wait_for_function("document.querySelectorAll('#epoch-log tbody tr').length > 0 && document.querySelector('#epoch-log').offsetWidth > 0")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the open epoch log makes the page {overflow} px wider than the phone"


# A control's look: what a hover style changes.
LOOK = "(el) => { const c = getComputedStyle(el); return [c.backgroundColor, c.borderColor, c.color].join(' '); }"


def test_a_tapped_button_keeps_its_look(pages):
    """A touch screen keeps :hover on the button a finger tapped, until the next tap elsewhere: Clear, a correction
    button, Reset, Learn and Train kept their grey or dark hover look after a tap."""
    page, _ = pages.open(**PHONE, reduced_motion="reduce")  # no transition: the look is read as it ends
    open_ready(page, pages.site)
    assert page.evaluate("matchMedia('(hover: none)').matches"), "the phone must say it cannot hover"
    cdp = page.context.new_cdp_session(page)
    changed = []

    def tap(selector, then=None):
        button = page.locator(selector)
        button.scroll_into_view_if_needed()
        before = button.evaluate(LOOK)
        button.tap()
        if then:
            then()
        after = button.evaluate(LOOK)
        if after != before:
            changed.append((selector, before, after))

    draw_with_touch(page, cdp, 4)
    tap('#teach button[data-digit="4"]', lambda: page.wait_for_function("document.querySelector('#teach').dataset.count === '1'"))
    tap("#clear", lambda: page.wait_for_function("document.querySelector('#pad').dataset.empty === 'true'"))
    tap("#teach-learn", lambda: page.wait_for_function(
        "() => document.querySelector('#teach').dataset.state === 'done' && !document.querySelector('#teach-learn').disabled",
        timeout=RUN_TIMEOUT_MS))
    fill_training_form(page, train_size=1000, epochs=1)
    tap("#train", lambda: (page.wait_for_function("() => document.body.dataset.state !== 'idle'"), wait_state(page, "idle")))
    tap("#reset")
    assert changed == [], f"buttons changed their look after a finger's tap: {changed}"
