"""A phone: the layout fits the screen and a finger can draw on the pad."""

import pytest

from e2e_page import draw_with_touch, open_ready

pytestmark = pytest.mark.browser

PHONE = dict(viewport={"width": 390, "height": 844}, device_scale_factor=3, is_mobile=True, has_touch=True)


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
