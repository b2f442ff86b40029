"""Opening the site: it becomes ready to predict, from its own origin only, without console errors."""

import pytest

from e2e_page import open_ready, read_prediction

pytestmark = pytest.mark.browser

STAGES = {"runtime", "numpy", "code", "model"}


def test_page_becomes_ready_from_its_own_origin_without_console_errors(pages):
    page, watch = pages.open()
    open_ready(page, pages.site)

    body = page.evaluate("({...document.body.dataset})")
    assert body["state"] == "idle"
    assert body["worker"] == "ok"
    stages = dict(page.eval_on_selector_all(
        "#loading [data-stage]", "els => els.map(e => [e.dataset.stage, e.dataset.state])"))
    assert stages == {stage: "done" for stage in STAGES}
    assert page.inner_text("#active-model").strip(), "the page says which model answers"
    assert read_prediction(page).digit is None, "nothing drawn yet, so no prediction"

    # The log really sees the worker's requests (Pyodide, numpy, the shipped model), not just the page's.
    fetched = " ".join(watch.requests)
    for needed in ("pyodide.asm.wasm", "numpy-", "py/bundle.zip", "model/pretrained.npz"):
        assert needed in fetched, f"{needed} was not requested: {watch.requests}"
    watch.assert_clean()


def test_the_built_site_works_from_a_plain_static_server(chromium, built_site):
    """dist/ as any static host serves it: Python's stock http.server, no gzip, no CSP header of ours.

    The page must still load from that origin only, predict a drawn digit, and log no console error.
    """
    import functools
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    from conftest import PageOpener, Site
    from e2e_page import draw_with_mouse

    class QuietHandler(SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(built_site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    opener = PageOpener(chromium, Site(f"http://127.0.0.1:{server.server_address[1]}/"))
    try:
        page, watch = opener.open()
        open_ready(page, opener.site)
        assert draw_with_mouse(page, 3).digit == 3
        watch.assert_clean()
    finally:
        opener.close_and_check()
        server.shutdown()
        server.server_close()
