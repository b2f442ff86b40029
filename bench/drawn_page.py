"""Page-level drawn-digit benchmark: real mouse strokes on the real pad, the answer read from the page.

Headless Chromium opens the built site (served by build.py's own server, as the e2e tests do), waits
until it is ready, then for each drawing moves the mouse along the strokes (pointer down, moves, up;
pad.js renders, the worker runs to_mnist and the model), waits until the prediction shown has settled,
reads the digit, the confidence the page shows, the bars and any "unsure" state from the DOM, and
clears the pad. The model is an input: it is served in place of the site's model/pretrained.npz.

Stroke sources: the style catalogue's REPORT split (bench/strokes/report.py) at the sizes and positions
of bench/strokes.PLACEMENTS, its non-digits, its BLIND split (bench/strokes/blind.py, two more authors) large
and small, and the e2e tests' own handwriting (tests/e2e/e2e_strokes.py, written by another hand); drawn at
two pointer speeds (pixels between pointer events).

    python bench/drawn_page.py [--model dist/model/pretrained.npz] [--site dist] [--limit N] [--out bench/reports/drawn_page.json]

Normally run through `python bench/drawn.py --page`, which puts its results in bench/reports/drawn.md.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import re
import sys
import threading
import time
import types
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
E2E = REPO / "tests" / "e2e"
sys.path[:0] = [str(REPO)]

from bench.strokes import PLACEMENTS, SMALL_PLACEMENTS, load, place  # noqa: E402

# Pixels between successive pointer events: a slow careful hand, and a quick one (a ~1000 px/s mouse at 60 Hz).
SPACINGS = {"slow": 3.0, "fast": 14.0}
NON_DIGIT_PLACEMENTS = (PLACEMENTS[0], PLACEMENTS[2])
BLIND_PLACEMENTS = (PLACEMENTS[0], PLACEMENTS[2])  # large and centred, small and off-centre: the CPython path has all four
READ_ANSWER = """() => {
    const prediction = document.querySelector('#prediction');
    const confidence = document.querySelector('#confidence');
    const bars = [...document.querySelectorAll('#bars [data-digit]')].map(e => [Number(e.dataset.digit), Number(e.dataset.p)]);
    return {digit: prediction.dataset.digit ?? '', text: prediction.textContent.trim(), data: {...prediction.dataset},
            confidence: confidence ? confidence.textContent.trim() : '', confidence_data: confidence ? {...confidence.dataset} : {},
            bars, seen: (() => { const c = document.querySelector('#seen');
                return c ? Array.from(c.getContext('2d').getImageData(0, 0, 28, 28).data.filter((_, i) => i % 4 === 0)) : null; })()};
}"""
# The ink the page last sent to its worker (a copy taken on its way to postMessage; see KEEP_SENT_INK), else the
# visible pad's alpha: to find out, where the page and the CPython path disagree, which step differs.
PAD_INK = """() => { const sent = window.__benchSentInk;
    if (sent) return {from: 'sent to the worker', width: sent.width, height: sent.height, alpha: Array.from(sent.ink, v => Math.round(v * 255))};
    const c = document.querySelector('#pad');
    const a = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    return {from: 'visible pad', width: c.width, height: c.height, alpha: Array.from(a.filter((_, i) => i % 4 === 3))}; }"""
# Installed before the page's scripts: copies each "predict" request's ink (the worker protocol of
# web/js/worker-client.js: {id, cmd, ...fields}) before it is transferred. Changes nothing the page does.
KEEP_SENT_INK = """(() => { const send = Worker.prototype.postMessage;
    Worker.prototype.postMessage = function (message, transfer) {
        if (message && message.cmd === 'predict' && message.ink)
            window.__benchSentInk = {width: message.width, height: message.height, ink: Float32Array.from(message.ink)};
        return send.call(this, message, transfer);
    }; })();"""


def e2e_helpers():
    """The e2e tests' modules this benchmark uses (read-only), imported in this one place."""
    if str(E2E) not in sys.path:
        sys.path.insert(0, str(E2E))
    import browser_launch
    import e2e_page
    import e2e_strokes
    return browser_launch, e2e_page, e2e_strokes


def drawings() -> list[dict]:
    """What the page run draws, in order: each item's strokes are already placed on the pad (0..1, y down)."""
    items = []
    report = load("report")
    digits = [d for d in report if d.label is not None]
    for i, drawing in enumerate(digits):
        for j, placement in enumerate(PLACEMENTS):
            items.append(_item("catalogue REPORT", drawing.style, drawing.variant, drawing.label, drawing.strokes, placement, i + j))
    for i, drawing in enumerate(digits):
        for j, placement in enumerate(SMALL_PLACEMENTS):
            items.append(_item("catalogue REPORT, small", drawing.style, drawing.variant, drawing.label, drawing.strokes,
                               placement, i + j))
    for i, drawing in enumerate(d for d in report if d.label is None):
        for j, placement in enumerate(NON_DIGIT_PLACEMENTS):
            items.append(_item("not a digit (REPORT)", drawing.style, drawing.variant, None, drawing.strokes, placement, i + j))
    for i, drawing in enumerate(load("blind")):
        for j, placement in enumerate(BLIND_PLACEMENTS):
            items.append(_item("catalogue BLIND", drawing.style, drawing.variant, drawing.label, drawing.strokes, placement, i + j))
    _, _, e2e_strokes = e2e_helpers()
    for i, (digit, strokes) in enumerate(sorted(e2e_strokes.DIGITS.items())):
        for j, placement in enumerate(PLACEMENTS):
            items.append(_item("e2e tests' strokes", f"{digit} (e2e)", "e2e", digit, strokes, placement, i + j))
    return items


def _item(source, style, variant, label, strokes, placement, turn) -> dict:
    speed = list(SPACINGS)[turn % len(SPACINGS)]
    return {"source": source, "style": style, "variant": variant, "label": label, "placement": placement.name,
            "speed": speed, "strokes": place(strokes, placement)}


def parse_shown(answer: dict) -> dict:
    """The page's answer as numbers: digit (None when none is shown), confidence shown (0..1), unsure state."""
    digit = int(answer["digit"]) if str(answer["digit"]).strip().isdigit() else None
    found = re.search(r"(\d+(?:\.\d+)?)\s*%", answer["confidence"])
    bars = dict((int(d), p) for d, p in answer["bars"])
    shown = float(found.group(1)) / 100 if found else (bars.get(digit) if digit is not None else None)
    flags = {**answer["data"], **answer["confidence_data"]}
    unsure = any("unsure" in f"{k} {v}".lower() and str(v).lower() not in ("false", "0", "") for k, v in flags.items())
    unsure = unsure or bool(re.search(r"unsure|not sure", answer["text"] + " " + answer["confidence"], re.IGNORECASE))
    return {"digit": digit, "shown_confidence": shown, "unsure": unsure, "bars": [bars.get(d) for d in range(10)],
            "confidence_text": answer["confidence"], "prediction_data": answer["data"]}


@contextlib.contextmanager
def serve_with_model(site: Path, model: Path):
    """The built site served by build.py's own server on a free port, with `model` answering for
    model/pretrained.npz; yields the base URL's holder the e2e helpers expect (.base_url)."""
    from buildlib.serve import SiteHandler, make_server

    model_bytes = model.read_bytes()

    class WithModel(SiteHandler):
        def send_head(self):
            if self.path.split("?")[0].endswith("/model/pretrained.npz"):
                self._page = self._csp_source = None
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(model_bytes)))
                self.end_headers()
                return io.BytesIO(model_bytes)
            return super().send_head()

    server = make_server(site, host="127.0.0.1", port=0, handler=WithModel)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield types.SimpleNamespace(base_url=f"http://127.0.0.1:{server.server_address[1]}/")
    finally:
        server.shutdown()
        server.server_close()


def run(model: Path, site: Path, items: list[dict], log=print) -> list[dict]:
    """Draw every item on the page; returns one record per item (the item without strokes, plus the answer).
    The first record also lists the errors the page logged meanwhile (`page_errors`)."""
    from playwright.sync_api import sync_playwright

    browser_launch, e2e_page, e2e_strokes = e2e_helpers()
    results, errors = [], []
    with serve_with_model(site, model) as served_site, sync_playwright() as playwright:
        browser = browser_launch.launch_chromium(playwright, browser_launch.chromium_executable())
        try:
            page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            page.add_init_script(KEEP_SENT_INK)
            page.on("console", lambda m: m.type == "error" and errors.append(f"console.error: {m.text}"))
            page.on("pageerror", lambda e: errors.append(f"uncaught: {e}"))
            e2e_page.open_ready(page, served_site)
            box = e2e_page.pad_box(page)
            log(f"page ready; pad {box['width']:.0f}x{box['height']:.0f} CSS px; {len(items)} drawings")
            started = time.monotonic()
            for n, item in enumerate(items):
                for stroke in item["strokes"]:
                    points = e2e_strokes.densify(stroke, box["width"], box["height"], SPACINGS[item["speed"]])
                    page.mouse.move(box["x"] + points[0][0], box["y"] + points[0][1])
                    page.mouse.down()
                    for x, y in points[1:]:
                        page.mouse.move(box["x"] + x, box["y"] + y)
                    at_pen_up = e2e_page.predictions_shown(page)
                    page.mouse.up()
                e2e_page.wait_predictions_settled(page, at_pen_up)
                answer = page.evaluate(READ_ANSWER)
                record = {k: v for k, v in item.items() if k != "strokes"} | parse_shown(answer)
                # #seen paints value v as red = 255 - 226 v (web/js/views.js): diagnostics only.
                record["seen"] = None if answer["seen"] is None else [round((255 - r) / 226, 3) for r in answer["seen"]]
                if item.get("capture_ink") is not None and item["capture_ink"] != record["digit"]:
                    record["pad_ink"] = page.evaluate(PAD_INK)  # to find out why the page and CPython disagree
                results.append(record)
                e2e_page.clear_pad(page)
                if (n + 1) % 25 == 0:
                    log(f"  {n + 1}/{len(items)} drawn, {time.monotonic() - started:.0f} s")
            page.close()
        finally:
            browser.close()
    for error in errors:
        log(f"the page logged an error while drawing: {error}")
    if results:
        results[0]["page_errors"] = errors  # kept with the records, so a reused run still says so
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=str(REPO / "dist" / "model" / "pretrained.npz"))
    parser.add_argument("--site", default=str(REPO / "dist"), help="the built site (python3 build.py)")
    parser.add_argument("--limit", type=int, help="draw only the first N items (a quick look)")
    parser.add_argument("--out", default="/tmp/drawn_page.json", help="the records (with the 28x28 images shown; a few MB)")
    args = parser.parse_args(argv)
    items = drawings()[:args.limit]
    results = run(Path(args.model), Path(args.site), items)
    Path(args.out).write_text(json.dumps(results))
    right = sum(r["digit"] == r["label"] for r in results if r["label"] is not None)
    print(f"{right}/{sum(r['label'] is not None for r in results)} digits read right; wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
