"""Numbers never stale, focus never lost, contrast enough (issue 17, item 3).

The contrast audit is axe-core (pinned in buildlib/pins.py as AXE_CORE, fetched like every pin, injected by
the test only: the site never ships it), plus a computation axe does not make: each focus ring against what
is behind it (>= 3:1).
"""
import re

import pytest

from buildlib.fetch import npm_files
from buildlib.paths import cache_dir
from buildlib.pins import AXE_CORE
from e2e_page import draw_with_mouse, fill_training_form, in_view, message, open_ready, wait_state

pytestmark = pytest.mark.browser

LONG_RUN = dict(train_size=50000, epochs=100)  # no machine finishes it while the test looks: it is stopped
FOCUS_RING_MIN = 3.0

# WCAG contrast of each tab stop's focus ring (outline colour) against the first opaque background behind it.
FOCUS_RING_CONTRAST = """() => {
    const rgb = (text) => (text.match(/[\\d.]+/g) || []).map(Number);
    const luminance = ([r, g, b]) => 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
    const lin = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    const element = document.activeElement;
    const style = getComputedStyle(element);
    const ring = element.id === 'upload-model' ? getComputedStyle(element.nextElementSibling) : style;
    let behind = element.parentElement;
    while (behind && (rgb(getComputedStyle(behind).backgroundColor)[3] === 0 || getComputedStyle(behind).backgroundColor === 'transparent')) behind = behind.parentElement;
    const background = behind ? rgb(getComputedStyle(behind).backgroundColor) : [255, 255, 255];
    const [a, b] = [luminance(rgb(ring.outlineColor)), luminance(background)].sort((x, y) => y - x);
    return { id: element.id || element.tagName, style: ring.outlineStyle, width: parseFloat(ring.outlineWidth),
             ratio: (a + 0.05) / (b + 0.05) };
}"""


@pytest.fixture(scope="module")
def axe_source() -> str:
    (path,) = npm_files(AXE_CORE, cache_dir()).values()
    return path.read_text()


def contrast_violations(page, axe_source) -> list:
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source)  # evaluated by the test's devtools connection, not loaded by the page
    result = page.evaluate("() => axe.run(document, { runOnly: ['color-contrast'] })")
    return [(v["id"], [node["target"] for node in v["nodes"]], v["nodes"][0]["failureSummary"]) for v in result["violations"]]


def press(page, selector: str) -> None:
    """Reach a control with the keyboard's focus and press Enter, as a keyboard user does."""
    page.focus(selector)
    page.keyboard.press("Enter")


def focused(page) -> str:
    return page.evaluate("() => document.activeElement ? document.activeElement.id : ''")


def test_after_stop_and_reset_nothing_looks_running_and_focus_stays_on_a_control(pages, axe_source):
    page, _ = pages.open(viewport={"width": 1366, "height": 900})
    open_ready(page, pages.site)
    fill_training_form(page, **LONG_RUN)
    press(page, "#train")
    page.wait_for_function("() => /\\d/.test(document.querySelector('#throughput').textContent)", timeout=120_000)
    page.wait_for_function("() => /\\d/.test(document.querySelector('#eta').textContent)")
    assert focused(page) == "pause", "Train disables itself: the keyboard moves on to Pause"

    press(page, "#stop")
    assert wait_state(page, "idle", "error") == "idle", message(page)
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'train'")
    assert page.inner_text("#throughput") == "–" and page.inner_text("#eta") == "–", "a stopped run shows no rate or time left"
    assert "Stopped" in page.inner_text("#progress-text")
    assert contrast_violations(page, axe_source) == []

    press(page, "#reset")
    page.wait_for_function("() => !document.querySelector('#reset').disabled")
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'reset'")
    assert page.inner_text("#throughput") == "–" and page.inner_text("#eta") == "–"
    assert re.search("pretrained", message(page)[1]), message(page)


def test_text_and_focus_rings_have_enough_contrast(pages, axe_source):
    page, _ = pages.open(viewport={"width": 1366, "height": 900})
    open_ready(page, pages.site)
    page.click("#inspect-run")  # the confusion matrix, zero cells included
    page.wait_for_selector("#confusion td", state="attached", timeout=60_000)
    assert contrast_violations(page, axe_source) == []

    page.focus(".skip-link")
    page.keyboard.press("Shift+Tab")  # to the top of the page, then every tab stop with the keyboard
    rings = []
    for _ in range(60):  # the skip link, the pad, the form, the buttons of every card
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement === document.body"):
            break
        rings.append(page.evaluate(FOCUS_RING_CONTRAST))
    assert len(rings) > 10, rings
    weak = [ring for ring in rings if ring["style"] == "none" or ring["width"] < 2 or ring["ratio"] < FOCUS_RING_MIN]
    assert weak == [], f"focus rings under {FOCUS_RING_MIN}:1 or invisible: {weak}"


def test_the_skip_link_hands_the_keyboard_to_the_drawing_card(pages):
    """Enter on "Skip to the drawing pad" scrolled to the draw card but left the focus on <body>: the card takes it, in
    sight, and the next Tab goes on from there, to its first enabled control (Undo waits for a stroke)."""
    page, _ = pages.open(viewport={"width": 1280, "height": 800})
    open_ready(page, pages.site)
    press(page, ".skip-link")
    page.wait_for_function("() => location.hash === '#draw-card'")
    where = page.evaluate("() => document.activeElement.id || document.activeElement.tagName")
    assert where == "draw-card", f"the skip link left the focus on {where}"
    assert in_view(page, "#draw-title"), "the draw card's head is out of sight"
    page.keyboard.press("Tab")
    assert focused(page) == "clear"

def keep_with_key(page, drawn: int, really: str, count: int) -> None:
    """Draw with the mouse (the pad takes no keys to draw), then say what it really is with the digit's key."""
    draw_with_mouse(page, drawn)
    page.keyboard.press(really)
    page.wait_for_selector(f'#teach[data-count="{count}"]', state="attached")


def test_removing_one_of_your_digits_leaves_the_keyboard_on_the_next(pages):
    page, _ = pages.open(viewport={"width": 1280, "height": 800})
    open_ready(page, pages.site)
    for count, (drawn, really) in enumerate([(3, "5"), (7, "1"), (2, "4")], start=1):
        keep_with_key(page, drawn, really, count)
    press(page, "#teach-gallery li:nth-child(2) button[data-remove]")  # the 1
    page.wait_for_selector('#teach[data-count="2"]', state="attached")
    label = lambda: page.evaluate("() => document.activeElement.getAttribute('aria-label')")
    assert label() == "Remove this 4", "the removed button's place goes to the one after it, not to the top of the page"
    page.keyboard.press("Enter")
    page.wait_for_selector('#teach[data-count="1"]', state="attached")
    assert label() == "Remove this 5", "the last one removed: the one before it"
    page.keyboard.press("Enter")
    page.wait_for_selector('#teach[data-count="0"]', state="attached")
    assert focused(page) == "pad", "none left: the pad, where the next digit is drawn"


def test_learn_and_stop_hand_the_keyboard_to_each_other(pages):
    page, _ = pages.open(viewport={"width": 1280, "height": 800})
    open_ready(page, pages.site)
    keep_with_key(page, 3, "5", 1)
    keep_with_key(page, 7, "1", 2)
    page.wait_for_function("() => !document.querySelector('#teach-learn').disabled", timeout=120_000)
    press(page, "#teach-learn")
    page.wait_for_selector('#teach[data-state="learning"]', state="attached")
    page.wait_for_function("() => document.activeElement.id === 'teach-stop'")  # Learn disables itself: on to Stop
    page.keyboard.press("Enter")
    page.wait_for_function("() => !document.querySelector('#teach-learn').disabled", timeout=120_000)
    page.wait_for_function("() => document.activeElement.id === 'teach-learn'")  # Stop disables itself: back to Learn
