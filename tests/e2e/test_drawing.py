"""Drawing digits with real pointer events gives the right prediction, with the shipped model and a fresh one."""

import time

import pytest

from e2e_page import (clear_pad, draw_with_mouse, mouse_stroke_until_pen_up, open_ready, pad_box, predictions_shown,
                      read_prediction, wait_predictions_settled, wait_ready)
from e2e_strokes import DIGITS

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def pretrained_page(module_pages):
    page, _ = module_pages.open()
    open_ready(page, module_pages.site)
    return page


@pytest.fixture(scope="module")
def fresh_model_page(short_run):
    """The page of the session's short run (10,000 images, 2 epochs): its freshly trained model answers."""
    return short_run.page


@pytest.mark.parametrize("digit", sorted(DIGITS))
def test_drawn_digit_is_recognised_by_the_shipped_model(pretrained_page, digit):
    clear_pad(pretrained_page)
    prediction = draw_with_mouse(pretrained_page, digit)
    assert prediction.digit == digit, f"drew {digit}, bars {prediction.probs}"
    assert max(prediction.probs) == pytest.approx(prediction.probs[digit])
    assert sum(prediction.probs) == pytest.approx(1.0, abs=1e-3)


@pytest.mark.parametrize("digit", sorted(DIGITS))
def test_drawn_digit_is_recognised_by_a_freshly_trained_model(fresh_model_page, digit):
    clear_pad(fresh_model_page)
    prediction = draw_with_mouse(fresh_model_page, digit)
    assert prediction.digit == digit, f"drew {digit}, bars {prediction.probs}"


def test_empty_pad_and_cleared_pad_give_no_prediction(pretrained_page):
    page = pretrained_page
    clear_pad(page)
    assert read_prediction(page).digit is None
    assert draw_with_mouse(page, 7).digit is not None
    clear_pad(page)
    assert read_prediction(page).digit is None


def test_undo_takes_back_the_last_stroke_and_the_reading_follows(pretrained_page):
    page = pretrained_page
    clear_pad(page)
    assert page.is_disabled("#undo"), "nothing to take back on an empty pad"
    four = draw_with_mouse(page, 4)  # two strokes: an open L, then the stem
    assert four.digit == 4
    shown = predictions_shown(page)
    page.click("#undo")
    page.wait_for_function(f"() => Number(document.querySelector('#pad').dataset.predictions) > {shown}")
    first_stroke = read_prediction(page)
    assert first_stroke.digit is not None and first_stroke.probs != four.probs, "the L alone, read anew"
    page.locator("#pad").focus()
    page.keyboard.press("Control+z")
    page.wait_for_selector('#prediction[data-digit=""]', state="attached")
    assert page.is_disabled("#undo") and page.get_attribute("#pad", "data-empty") == "true"


def test_a_corner_drawn_quickly_keeps_its_point(pretrained_page):
    """A V in three pointer events (down at its left end, at its point, up at its right end): the line goes through the
    point. Curves through the samples' midpoints cut such a corner by 15% of the pad, and the 1's flag with it."""
    page = pretrained_page
    clear_pad(page)
    box = pad_box(page)
    left, point, right = (0.3, 0.3), (0.5, 0.7), (0.7, 0.3)
    page.mouse.move(box["x"] + left[0] * box["width"], box["y"] + left[1] * box["height"])
    page.mouse.down()
    for x, y in (point, right):
        page.mouse.move(box["x"] + x * box["width"], box["y"] + y * box["height"])
    shown = predictions_shown(page)
    page.mouse.up()
    wait_predictions_settled(page, shown)
    ink = page.evaluate("""([x, y]) => { const pad = document.querySelector('#pad');
        return pad.getContext('2d').getImageData(Math.round(x * pad.width), Math.round(y * pad.height), 1, 1).data[3]; }""",
                        list(point))
    assert ink > 200, f"the V's point has alpha {ink} of 255"


def test_the_words_and_the_bars_say_the_same_number(pretrained_page):
    page = pretrained_page
    clear_pad(page)
    digit = draw_with_mouse(page, 7).digit
    bar = page.inner_text(f'#bars [data-digit="{digit}"] .bar-value')
    assert page.inner_text("#confidence") == f"{bar} sure"



def test_drawing_takes_the_keyboard_focus_from_a_form_field(pretrained_page):
    """Pick a setting in the train form, then draw: Escape clears the drawing (the keys act on the pad, not the field)."""
    page = pretrained_page
    clear_pad(page)
    page.focus("#optimizer")
    draw_with_mouse(page, 7)
    assert page.evaluate("document.activeElement.id") != "optimizer"
    page.keyboard.press("Escape")
    page.wait_for_selector('#pad[data-empty="true"]', state="attached")


def test_the_pads_keys_belong_to_other_controls_when_the_keyboard_is_on_them(pretrained_page):
    """Delete with the keyboard on a model's Use button, Download or Train cleared the drawing, unseen; a digit's key there
    kept the drawing as that digit. On the pad, or on nothing, they act as before."""
    page = pretrained_page
    clear_pad(page)
    draw_with_mouse(page, 7)
    count = page.get_attribute("#teach", "data-count")
    for control in ("#download-model", "#train"):
        page.focus(control)
        for key in ("Delete", "Escape", "3"):
            page.keyboard.press(key)
        assert page.get_attribute("#pad", "data-empty") == "false", f"a key on {control} cleared the drawing"
        assert page.get_attribute("#teach", "data-count") == count, f"a digit's key on {control} kept the drawing"
    page.focus("#pad")
    page.keyboard.press("Delete")
    page.wait_for_selector('#pad[data-empty="true"]', state="attached")


def test_a_drawing_made_with_the_mouse_leaves_no_focus_ring_but_the_keyboard_sees_one(pages):
    """The pad takes the keyboard's focus after a stroke; on a page just opened (focus on <body>) that focus showed
    the keyboard's ring round the pad, which reads as an error mark. Reached by the keyboard, the pad shows it."""
    page, _ = pages.open()
    open_ready(page, pages.site)
    ring = "() => getComputedStyle(document.querySelector('#pad')).outlineStyle"
    draw_with_mouse(page, 1)
    assert page.evaluate("document.activeElement.id") == "pad"
    assert page.evaluate(ring) == "none", "a focus ring round the pad after a mouse drawing"
    page.keyboard.press("Tab")
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.id") == "pad" and page.evaluate(ring) == "solid", "no ring when the keyboard reaches the pad"


def test_after_drawing_with_the_mouse_the_keyboard_is_on_the_pad(pretrained_page):
    """A stroke drawn with the mouse leaves the keyboard's focus on the pad (it fell to <body>, so Tab started again
    from the top of the page), and giving it the focus scrolls nothing, here with the pad's top above the window.
    Tab then goes on from the pad to the first button correcting its answer."""
    page = pretrained_page
    clear_pad(page)  # the keyboard's focus is on Clear, which the stroke takes it from
    page.evaluate("() => { const pad = document.querySelector('#pad'); scrollBy(0, pad.getBoundingClientRect().top + pad.offsetHeight / 4); }")
    scrolled = page.evaluate("scrollY")
    mouse_stroke_until_pen_up(page, page.locator("#pad").bounding_box(), [(0.3, 0.5), (0.5, 0.7), (0.7, 0.6)])
    shown = predictions_shown(page)
    page.mouse.up()
    wait_predictions_settled(page, shown)
    assert page.evaluate("document.activeElement.id") == "pad", "the keyboard is not on the pad after drawing"
    assert page.evaluate("scrollY") == scrolled, "giving the pad the focus scrolled the page"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.digit") == "0", "Tab did not go on from the pad"


def test_a_digit_drawn_while_python_loads_says_it_will_be_read_and_is(pages):
    """Ink drawn before Python is ready showed a bare "–": the page says it will read it, then does."""
    page, _ = pages.open(service_workers="block")  # page.route does not see what a service worker fetches
    held = []
    page.route("**/pyodide.asm.wasm", lambda route: held.append(route))  # Python waits for its wasm until the test lets it through
    page.goto(pages.site.base_url)
    page.wait_for_function("() => document.querySelector('#pad') !== null")
    box = pad_box(page)
    mouse_stroke_until_pen_up(page, box, DIGITS[7][0])
    page.mouse.up()
    page.wait_for_function("() => /as soon as Python is ready/.test(document.querySelector('#confidence').textContent)")
    assert page.text_content("#prediction") == "–"
    page.click("#clear")
    assert page.text_content("#confidence") == "", "a cleared pad has nothing to read"
    mouse_stroke_until_pen_up(page, box, DIGITS[7][0])
    page.mouse.up()
    page.wait_for_function("() => /as soon as Python is ready/.test(document.querySelector('#confidence').textContent)")
    assert page.get_attribute("body", "data-ready") != "true"
    deadline = time.monotonic() + 60
    while not held:  # the worker asks for the wasm once its script runs; waiting pumps the route handler
        assert time.monotonic() < deadline, "the worker never asked for pyodide.asm.wasm"
        page.wait_for_timeout(100)
    for route in held:
        route.continue_()
    page.unroute("**/pyodide.asm.wasm")
    wait_ready(page)
    page.wait_for_function("() => /sure|Unsure|Not like/.test(document.querySelector('#confidence').textContent)")
    assert read_prediction(page).digit == 7


def test_a_digit_drawn_before_the_first_visits_reload_comes_back_with_it(plain_host):
    """On a host without isolation headers (GitHub Pages) the first visit registers the service worker and reloads
    once, about 2.5 s in; a digit drawn meanwhile, said to be "read as soon as Python is ready", was wiped."""
    page, _ = plain_host.open()
    held = []
    page.context.route("**/coi-sw.js", lambda route: held.append(route))  # no reload until the test lets it register
    page.goto(plain_host.site.base_url)
    page.wait_for_function("() => document.querySelector('#pad') !== null")
    box = pad_box(page)
    for stroke in DIGITS[7]:
        mouse_stroke_until_pen_up(page, box, stroke)
        page.mouse.up()
    page.wait_for_function("() => /as soon as Python is ready/.test(document.querySelector('#confidence').textContent)")
    deadline = time.monotonic() + 60
    while not held:  # the page asks for the service worker's script once it starts; waiting pumps the route handler
        assert time.monotonic() < deadline, "the page never asked for coi-sw.js"
        page.wait_for_timeout(100)
    assert page.evaluate("performance.getEntriesByType('navigation')[0].type") == "navigate", "reloaded already"
    for route in held:
        route.continue_()
    page.context.unroute("**/coi-sw.js")
    page.wait_for_function("() => performance.getEntriesByType('navigation')[0].type === 'reload'", timeout=120_000)
    wait_ready(page)
    assert page.evaluate("crossOriginIsolated") is True
    assert page.get_attribute("#pad", "data-empty") == "false", "the drawing was wiped by the reload"
    page.wait_for_function("() => /sure|Unsure|Not like/.test(document.querySelector('#confidence').textContent)")
    assert read_prediction(page).digit == 7
    assert page.evaluate("sessionStorage.getItem('pad-strokes')") is None, "kept once, for that reload only"
