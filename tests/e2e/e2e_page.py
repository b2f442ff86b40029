"""What a user does on the page, written once against the page contract (docs/ARCHITECTURE.md)."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from e2e_strokes import DIGITS, densify

READY_TIMEOUT_MS = 120_000  # Pyodide + numpy take 5-10 s here; a busy CI core can triple that
RUN_TIMEOUT_MS = 240_000
PREDICTION_TIMEOUT_MS = 15_000
# The default recipe on 10,000 images for 2 epochs reaches ~94% test accuracy in CPython (1 epoch: ~91%).
SHORT_RUN = dict(train_size=10000, epochs=2)
# A phone held upright, as the phone tests open it.
PHONE = dict(viewport={"width": 390, "height": 844}, device_scale_factor=3, is_mobile=True, has_touch=True)
CHART_PICTURE = """sel => {
    const el = document.querySelector(sel);
    if (el instanceof HTMLCanvasElement) return el.toDataURL();
    const canvas = el.querySelector('canvas');
    return canvas ? canvas.toDataURL() : el.innerHTML;
}"""
CHARTS = ("#loss-chart", "#acc-chart")
# The header's model name: the size of the text against the box that cuts it, [scrollWidth, clientWidth, scrollHeight,
# clientHeight] (its own box, or on a phone, where it flows on from the status pill's line, the status's).
NAME_BOX = """() => {
    let box = document.querySelector('#active-model').parentElement;
    while (getComputedStyle(box).display === 'inline' || getComputedStyle(box).overflow === 'visible') box = box.parentElement;
    return [box.scrollWidth, box.clientWidth, box.scrollHeight, box.clientHeight];
}"""
# Each element's [left, top, right, bottom] in the window, and for a control whether a finger's tap 21.75 px above and
# below its middle still lands on it (a 44 px tall target).
SHOWN = """(selectors) => selectors.map((s) => {
    const el = document.querySelector(s), r = el.getBoundingClientRect(), x = (r.left + r.right) / 2, y = (r.top + r.bottom) / 2;
    const control = 'button, input, select, summary, a[href]';
    const tall = el.matches(control) ? [y - 21.75, y + 21.75].every((v) => document.elementFromPoint(x, v)?.closest(control) === el) : null;
    return { s, box: [r.left, r.top, r.right, r.bottom].map((v) => Math.round(v * 10) / 10), tall, disabled: el.disabled ?? null };
})"""


def open_ready(page, site) -> None:
    page.goto(site.base_url)
    wait_ready(page)


def wait_ready(page) -> None:
    page.wait_for_selector("body[data-ready=true]", state="attached", timeout=READY_TIMEOUT_MS)


def state(page) -> str:
    return page.evaluate("document.body.dataset.state")


def wait_state(page, *wanted: str, timeout_ms: int = RUN_TIMEOUT_MS) -> str:
    """Wait until the page is in one of the wanted states; returns the one reached."""
    page.wait_for_function("ss => ss.includes(document.body.dataset.state)", arg=list(wanted), timeout=timeout_ms)
    return state(page)


def predictions_shown(page) -> int:
    return int(page.evaluate("Number(document.querySelector('#pad').dataset.predictions || 0)"))


def wait_predictions_settled(page, after: int, quiet_ms: int = 400) -> None:
    """Wait until a prediction newer than `after` is shown and no further one follows for `quiet_ms`."""
    page.wait_for_function(
        "n => Number(document.querySelector('#pad').dataset.predictions || 0) > n",
        arg=after,
        timeout=PREDICTION_TIMEOUT_MS,
    )
    last, since = predictions_shown(page), time.monotonic()
    while time.monotonic() - since < quiet_ms / 1000:
        page.wait_for_timeout(100)
        now = predictions_shown(page)
        if now != last:
            last, since = now, time.monotonic()


@dataclass(frozen=True)
class Prediction:
    digit: int | None
    probs: tuple[float, ...]  # bar heights, digit 0..9


def read_prediction(page) -> Prediction:
    digit = page.get_attribute("#prediction", "data-digit")
    bars = page.eval_on_selector_all(
        "#bars [data-digit]", "els => els.map(e => [Number(e.dataset.digit), Number(e.dataset.p)])"
    )
    probs = dict(bars)
    return Prediction(int(digit) if digit not in (None, "") else None, tuple(probs.get(d, math.nan) for d in range(10)))


def in_view(page, selector: str) -> bool:
    """Whether the element is shown whole within the window's height, as the page is scrolled now."""
    box, height = page.locator(selector).bounding_box(), page.viewport_size["height"]
    return box is not None and box["height"] > 0 and 0 <= box["y"] and box["y"] + box["height"] <= height


def pad_box(page) -> dict:
    pad = page.locator("#pad")
    pad.scroll_into_view_if_needed()
    return pad.bounding_box()


def mouse_stroke_until_pen_up(page, box: dict, stroke) -> None:
    """One stroke with real pointer events: mouse down at its start, moves along it; the pen stays down."""
    points = densify(stroke, box["width"], box["height"])
    page.mouse.move(box["x"] + points[0][0], box["y"] + points[0][1])
    page.mouse.down()
    for x, y in points[1:]:
        page.mouse.move(box["x"] + x, box["y"] + y)


def draw_with_mouse(page, digit: int) -> Prediction:
    """Draws a digit with real pointer events (mouse down, moves, up) and returns the prediction shown."""
    return draw_strokes_with_mouse(page, DIGITS[digit])


def draw_strokes_with_mouse(page, strokes) -> Prediction:
    """Draws strokes (pad fractions, y down) with real pointer events and returns the prediction shown."""
    box = pad_box(page)
    for stroke in strokes:
        mouse_stroke_until_pen_up(page, box, stroke)
        at_pen_up = predictions_shown(page)
        page.mouse.up()
        wait_predictions_settled(page, at_pen_up)
    return read_prediction(page)


def draw_with_touch(page, cdp, digit: int) -> Prediction:
    """The same digit drawn with a finger: CDP touch events, which Chromium turns into pointerType=touch."""
    box = pad_box(page)
    for stroke in DIGITS[digit]:
        points = [(box["x"] + x, box["y"] + y) for x, y in densify(stroke, box["width"], box["height"])]
        x, y = points[0]
        cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
        for x, y in points[1:]:
            cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]})
        at_pen_up = predictions_shown(page)
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
        wait_predictions_settled(page, at_pen_up)
    return read_prediction(page)


def clear_pad(page) -> None:
    page.click("#clear")
    page.wait_for_selector('#prediction[data-digit=""]', state="attached", timeout=PREDICTION_TIMEOUT_MS)


def fill_training_form(page, preset: str = "fast", **fields) -> None:
    """Choose a preset, then override fields by contract id: train_size=5000 fills #train-size."""
    page.click(f"#preset-{preset}")
    for name, value in fields.items():
        set_field(page, "#" + name.replace("_", "-"), value)


def set_field(page, selector: str, value) -> None:
    """Fill an input or choose a <select> option."""
    if page.eval_on_selector(selector, "e => e.tagName") == "SELECT":
        page.select_option(selector, str(value))
    else:
        page.fill(selector, str(value))


def start_training(page, preset: str = "fast", **fields) -> None:
    fill_training_form(page, preset, **fields)
    page.click("#train")
    page.wait_for_function("() => document.body.dataset.state !== 'idle'", timeout=30_000)


def train_to_end(page, preset: str = "fast", **fields) -> float:
    """Runs training through the form and returns the test accuracy the page reports at the end."""
    start_training(page, preset, **fields)
    reached = wait_state(page, "idle", "error")
    assert reached == "idle", f"the run ended in state {reached!r}: {message(page)}"
    value = page.get_attribute("#test-acc", "data-value")
    assert value not in (None, ""), "a finished run must set #test-acc[data-value]"
    return float(value)


def download_model(page, folder):
    """The active model as #download-model saves it, in `folder`; returns its path."""
    with page.expect_download() as download_info:
        page.click("#download-model")
    download = download_info.value
    path = folder / (download.suggested_filename or "model.npz")
    download.save_as(path)
    return path


def upload(page, name: str, data: bytes) -> None:
    page.set_input_files("#upload-model", {"name": name, "mimeType": "application/octet-stream", "buffer": data})


def message(page) -> tuple[str | None, str]:
    return page.get_attribute("#message", "data-kind"), page.inner_text("#message").strip()


def wait_error_message(page, timeout_ms: int = 60_000) -> str:
    page.wait_for_selector("#message[data-kind=error]", state="attached", timeout=timeout_ms)
    text = page.inner_text("#message").strip()
    assert text, "an error must be explained in #message"
    return text


def active_model(page) -> str:
    return page.inner_text("#active-model").strip()


def frames_per_second(page, seconds: float) -> float:
    """requestAnimationFrame callbacks per second on the page's main thread."""
    return page.evaluate(
        """ms => new Promise(done => {
            let frames = 0;
            const start = performance.now();
            const tick = now => {
                frames += 1;
                if (now - start < ms) requestAnimationFrame(tick);
                else done(frames / ((performance.now() - start) / 1000));
            };
            requestAnimationFrame(tick);
        })""",
        seconds * 1000,
    )


def refuse_helper_bundles(page, count: int | None = None) -> list:
    """Answer py/bundle.zip with 404 for `count` helper workers (None: every one). Set before the page loads: the
    first request is the training worker's and goes through; the helpers ask after it (one loads once the page is
    ready, the others when a run asks for them). Returns the refused URLs."""
    asked, refused = [], []

    def answer(route):
        asked.append(route.request.url)
        if len(asked) == 1 or (count is not None and len(refused) >= count):
            return route.continue_()
        refused.append(route.request.url)
        return route.fulfill(status=404, body="not found")

    page.route("**/py/bundle.zip", answer)
    return refused
