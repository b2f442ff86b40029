"""A phone: the layout fits the screen and a finger can draw on the pad."""

import pytest

from e2e_page import PHONE, draw_with_touch, open_ready

pytestmark = pytest.mark.browser


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
