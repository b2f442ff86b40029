"""The lab page (lab.html): PyScript cells on the site's own Pyodide, run in order, edited, broken, stopped.

One page runs every cell with "Run all" once (module fixture); the tests after it edit cells on that page.
"""

import json
import re

import pytest

from e2e_page import READY_TIMEOUT_MS, RUN_TIMEOUT_MS, SHOWN

pytestmark = pytest.mark.browser

PHONE = dict(viewport={"width": 390, "height": 844}, device_scale_factor=3, is_mobile=True, has_touch=True)
LEAKY_RELU = '''class ReLU(Module):
    """Leaky: a small slope for negative inputs."""

    def __init__(self):
        self.params, self.grads = {}, {}
        self.x = None

    def forward(self, x):
        self.x = x
        return self.infer(x)

    def infer(self, x):
        return np.where(x > 0, x, 0.01 * x)

    def backward(self, grad, need_input_grad=True):
        return grad * np.where(self.x > 0, 1.0, 0.01)


print(ReLU().forward(np.array([-2.0, -0.5, 0.0, 1.5])))
'''


def cell(page, name: str):
    """The editor PyScript put right after the cell's <script>."""
    return page.locator(f'script[data-cell="{name}"] + py-editor')


def output(page, name: str) -> str:
    return cell(page, name).locator(".py-editor-output").inner_text()


def open_lab(page, site) -> None:
    page.goto(site.base_url + "lab.html")
    page.wait_for_selector("body[data-lab=ready]", state="attached", timeout=READY_TIMEOUT_MS)


def run_cell(page, name: str) -> str:
    """Press the cell's Run button and wait until PyScript gives the button back; returns the output."""
    button = cell(page, name).locator(".py-editor-run-button")
    button.click()
    button.and_(page.locator(":not(.running)")).wait_for(timeout=RUN_TIMEOUT_MS)
    return output(page, name)


def set_code(page, name: str, code: str) -> None:
    """Replace a cell's code through PyScript's own `code` property of the cell's script."""
    page.evaluate("([name, code]) => { document.querySelector(`script[data-cell='${name}']`).code = code; }", [name, code])


def code_of(page, name: str) -> str:
    return page.evaluate("name => document.querySelector(`script[data-cell='${name}']`).code", name)


@pytest.fixture(scope="module")
def lab(module_pages):
    """One lab page on which "Run all" ran every cell."""
    page, watch = module_pages.open()
    open_lab(page, module_pages.site)
    page.click("#run-all")
    page.wait_for_function("() => !document.body.dataset.running && /ran|stopped/.test(document.querySelector('#lab-status').textContent)",
                           timeout=RUN_TIMEOUT_MS)
    return page, watch


def test_run_all_runs_every_cell_and_shows_its_results(lab):
    page, watch = lab
    assert page.inner_text("#lab-status") == "All cells ran."
    assert page.locator(".py-editor-output span").count() == 0, "a cell wrote to stderr"
    assert "10000 training and 5000 test images of 784 pixels" in output(page, "data")
    assert cell(page, "data").locator(".lab-figures canvas").count() == 16
    dense = output(page, "dense")  # the text promises the gradients of W and b: the cell shows them
    assert "gradient of W (x.T @ grad): [[1.0, 0.0], [2.0, 0.0], [3.0, 0.0]]" in dense, dense
    assert "gradient of b (grad summed over the rows): [1.0, 0.0]" in dense, dense
    assert "gradient check passed" in output(page, "gradcheck")
    losses = [float(x) for x in re.findall(r"mean training loss ([\d.]+)", output(page, "sgd"))]
    assert len(losses) == 4 and losses[-1] < losses[0]
    accuracy = float(re.search(r"test accuracy: ([\d.]+)%", output(page, "evaluate")).group(1))
    assert accuracy > 90, f"the short training run reached {accuracy}% on the test subset"
    weights = cell(page, "weights").locator(".lab-figures canvas")
    assert weights.count() == 40
    assert weights.first.evaluate("c => { const d = c.getContext('2d').getImageData(0, 0, 28, 28).data;"
                                  " return new Set(d.filter((_, i) => i % 4 === 0)).size; }") > 20  # a picture, not a flat square
    captions = cell(page, "answers").locator("figcaption").all_inner_texts()
    assert len(captions) == 24 and all(re.fullmatch(r"\d( ✗ \(\d\))?", c) for c in captions)
    assert "#lab-images" not in page.inner_text("main"), "a picture line was left as text"
    watch.assert_clean()  # every request went to the site's own origin, no console error


def test_section_8_reads_the_trained_network_when_section_5_ran_after_the_training(lab):
    """Sections 5 and 7 both bound `net`: a learner who went back to section 5 after training (7, then 5, then 8) had
    section 8 measure section 5's untrained network, about 10% of the test digits, with nothing saying why."""
    page, _ = lab
    run_cell(page, "network")  # after Run all: section 7 has trained
    accuracy = float(re.search(r"test accuracy: ([\d.]+)%", run_cell(page, "evaluate")).group(1))
    assert accuracy > 90, f"section 8 read {accuracy}% after section 5 ran again"


def test_section_10_shows_the_answers_of_the_network_section_7_trained_last(lab):
    """Section 10 drew section 8's `predictions`: a learner who trained again (section 7) and went on to section 10
    without running 8 saw the answers and crosses of the network before."""
    page, _ = lab
    sgd, weights = code_of(page, "sgd"), code_of(page, "weights")
    try:
        set_code(page, "sgd", sgd.replace("epochs = 4", "epochs = 0"))  # trained again: not at all
        run_cell(page, "sgd")
        run_cell(page, "answers")
        drawn = [int(text.split()[0]) for text in cell(page, "answers").locator("figcaption").all_inner_texts()]
        set_code(page, "weights", f"print(net.infer(X_test[:{len(drawn)}]).argmax(axis=1).tolist())")
        assert drawn == json.loads(run_cell(page, "weights")), "section 10 drew answers that are not net's"
    finally:
        set_code(page, "weights", weights)
        set_code(page, "sgd", sgd)
        run_cell(page, "sgd")  # trained as Run all left it, for the tests below


def test_an_edited_relu_changes_what_later_cells_compute_and_restore_brings_it_back(lab):
    page, _ = lab
    original_relu = code_of(page, "relu")
    loss_line = re.compile(r"loss of the small network: ([\d.]+)")
    relu_loss = float(loss_line.search(output(page, "gradcheck")).group(1))

    set_code(page, "relu", LEAKY_RELU)
    assert run_cell(page, "relu").strip() == "[-0.02  -0.005  0.     1.5  ]"
    checked = run_cell(page, "gradcheck")  # builds its network with Sequential.mlp, which uses the edited ReLU
    assert "gradient check passed" in checked
    assert float(loss_line.search(checked).group(1)) != relu_loss

    cell(page, "relu").locator(".lab-restore").click()
    assert code_of(page, "relu") == original_relu
    assert run_cell(page, "relu").strip() == "[0.  0.  0.  1.5]"
    assert float(loss_line.search(run_cell(page, "gradcheck")).group(1)) == relu_loss


def with_return(code: str, function: str, line: str) -> str:
    """`code` with the first `return` line after `def function(` replaced by `line`, at its indentation."""
    lines = code.split("\n")
    start = next(i for i, text in enumerate(lines) if text.lstrip().startswith(f"def {function}("))
    at = next(i for i in range(start + 1, len(lines)) if lines[i].lstrip().startswith("return "))
    lines[at] = lines[at][: len(lines[at]) - len(lines[at].lstrip())] + line
    return "\n".join(lines)


def test_the_leaky_relu_the_text_suggests_passes_the_gradient_check(lab):
    """Section 3 invited "a leaky ReLU (np.where(x > 0, x, 0.01 * x), with the matching backward)" and never said
    what that backward is: a learner who changed forward only got "gradient check FAILED" and no way on. The text
    gives both lines; done as it says, the check passes, and forward alone fails it, as the text warns."""
    page, _ = lab
    told = cell(page, "relu").locator("xpath=ancestor::section").locator("p code").all_inner_texts()
    forward = next((text for text in told if text.startswith("return") and "grad" not in text), None)
    backward = next((text for text in told if text.startswith("return") and "grad" in text), None)
    assert forward and backward, f"section 3's text gives no infer and backward lines to type: {told}"
    relu = code_of(page, "relu")
    try:
        set_code(page, "relu", with_return(with_return(relu, "infer", forward), "backward", backward))
        assert run_cell(page, "relu").strip() == "[-0.02  -0.005  0.     1.5  ]"
        assert "gradient check passed" in run_cell(page, "gradcheck")  # its network is built with this ReLU

        set_code(page, "relu", with_return(relu, "infer", forward))  # forward only
        run_cell(page, "relu")
        assert "gradient check FAILED" in run_cell(page, "gradcheck")
    finally:
        set_code(page, "relu", relu)
        run_cell(page, "relu")


def test_shift_or_ctrl_enter_runs_the_cell_once_and_enter_alone_adds_a_line(lab):
    page, _ = lab
    dialogs = []
    ask = lambda dialog: (dialogs.append(dialog.message), dialog.dismiss())  # ▶ on a running cell asks to stop it
    page.on("dialog", ask)
    try:
        code = ('import time\nkey_runs = globals().get("key_runs", 0) + 1\nstarted = time.time()\n'
                'while time.time() - started < 1.5:  # long enough to press the keys again while it runs\n'
                '    pass\nprint("run", key_runs)')
        set_code(page, "dense", code)
        button = cell(page, "dense").locator(".py-editor-run-button")
        cell(page, "dense").locator(".cm-content").click()
        page.keyboard.press("Control+End")

        page.keyboard.press("Shift+Enter")
        button.and_(page.locator(".running")).wait_for()
        page.keyboard.press("Shift+Enter")  # while it runs: neither a second run nor a Stop
        page.keyboard.press("Control+Enter")
        button.and_(page.locator(":not(.running)")).wait_for(timeout=RUN_TIMEOUT_MS)
        assert output(page, "dense").strip() == "run 1"
        assert dialogs == [] and code_of(page, "dense") == code  # no new line either

        page.keyboard.press("Control+Enter")
        cell(page, "dense").locator(".py-editor-output", has_text="run 2").wait_for(timeout=RUN_TIMEOUT_MS)
        assert code_of(page, "dense") == code

        page.keyboard.press("Enter")  # a run would have marked the button running before the key returned
        assert code_of(page, "dense") == code + "\n"
        assert "running" not in button.get_attribute("class") and output(page, "dense").strip() == "run 2"
    finally:
        page.remove_listener("dialog", ask)
    cell(page, "dense").locator(".lab-restore").click()


def test_an_error_shows_its_traceback_in_the_cell_and_later_cells_still_run(lab):
    page, watch = lab
    watch.allow_console_error("ZeroDivisionError|PythonError")
    set_code(page, "loss", "def broken(x):\n    return x / 0\n\n\nbroken(1)\n")
    shown = run_cell(page, "loss")
    assert "Traceback" in shown and "ZeroDivisionError" in shown
    assert 'line 2, in broken' in shown and 'in <module>' in shown  # the cell's own frames, as Python wrote them
    assert cell(page, "loss").locator(".py-editor-output span").count() > 0  # PyScript's error style
    assert "test accuracy" in run_cell(page, "evaluate")
    cell(page, "loss").locator(".lab-restore").click()
    assert "loss 0.4170" in run_cell(page, "loss")


def line_of(page, name: str, text: str) -> tuple[int, str]:
    """The number and the text (stripped) of the first line of the cell's code that holds `text`."""
    return next((i, line.strip()) for i, line in enumerate(code_of(page, name).split("\n"), 1) if text in line)


def test_a_shape_error_names_the_section_and_shows_the_line_of_every_frame(lab):
    """Every cell ran as "<exec>": a shape error in section 5 said `File "<exec>", line 39, in infer` for a line of
    section 2 (section 5's line 39 is another infer's `return x`), and showed no code. Under numpy's cryptic message
    ("core dimension 0, with gufunc signature ...") the page says which sizes do not fit."""
    page, watch = lab
    watch.allow_console_error("ValueError|PythonError")
    network = code_of(page, "network")
    set_code(page, "network", network.replace("[784, 100, 10]", "[785, 100, 10]"))  # one input too many
    shown = run_cell(page, "network")
    for section, name, text, function in (("5", "network", "untrained.infer(X_train[:1])", "<module>"),
                                          ("5", "network", "x = layer.infer(x)", "infer"),
                                          ("2", "dense", "return x @ self.weights + self.biases", "infer")):
        number, line = line_of(page, name, text)
        frame = f'  File "section {section}", line {number}, in {function}\n    {line}\n'
        assert frame in shown, f"no {frame!r} in:\n{shown}"
    assert "(size 785 is different from 784)" in shown
    # numpy's words, under them the page's
    advice = cell(page, "network").locator(".lab-advice").inner_text()
    assert "each row of x has 784 numbers, but W has 785 rows" in advice, advice
    set_code(page, "network", network)
    assert "logits of one image: (1, 10)" in run_cell(page, "network")  # later tests use a 784-input net


def test_an_error_inside_a_helper_of_the_hidden_setup_names_the_setup(lab):
    """The setup cell runs before the patch that names every run, so the frames of its helpers said `File "<exec>"`:
    a learner who gave show_images rows of unequal length, or fetch_bytes a missing file, met a name from nowhere."""
    page, watch = lab
    watch.allow_console_error("ValueError|OSError|PythonError|404")
    relu = code_of(page, "relu")
    try:
        for call, helper, error in (("show_images([[1.0, 2.0], [3.0]])", "show_images", "ValueError"),
                                    ('await fetch_bytes("data/missing.json")', "fetch_bytes", "OSError")):
            set_code(page, "relu", call)
            shown = run_cell(page, "relu")
            assert f'  File "section 3", line 1, in <module>\n    {call}\n' in shown, shown
            assert re.search(rf'\n  File "hidden setup", line \d+, in {helper}\n', shown), shown
            assert "<exec>" not in shown and error in shown
    finally:
        set_code(page, "relu", relu)


def test_an_error_inside_a_helper_of_the_hidden_setup_shows_the_line_that_failed(lab):
    """Python had no text for the setup's code (it ran as "<exec>", then was renamed): its helpers' frames came with no
    line under them, `File "hidden setup", line 53, in show_images` straight above numpy's message, so a learner could
    not tell which step of the helper failed. Each shows its line, as a cell's frames do, and the message follows."""
    page, watch = lab
    watch.allow_console_error("ValueError|OSError|PythonError|404")
    setup = page.evaluate("() => document.querySelector('script[setup]').textContent").split("\n")  # as Python ran it
    relu = code_of(page, "relu")
    try:
        for call, helper, failing, error in (
                ("show_images([[1.0, 2.0], [3.0]])", "show_images", "images = np.asarray(", "ValueError: "),
                ('await fetch_bytes("data/missing.json")', "fetch_bytes", "raise OSError(", "OSError: data/missing.json: HTTP 404")):
            set_code(page, "relu", call)
            shown = run_cell(page, "relu")
            number = int(re.search(rf'\n  File "hidden setup", line (\d+), in {helper}\n', shown).group(1))
            assert failing in setup[number - 1], f"line {number} of the setup is {setup[number - 1]!r}"
            frame = f'  File "hidden setup", line {number}, in {helper}\n    {setup[number - 1].strip()}\n'
            assert frame in shown, f"no {frame!r} in:\n{shown}"
            assert shown.rstrip().split("\n")[-1].startswith(error), shown  # the message still ends the error
    finally:
        set_code(page, "relu", relu)


def test_a_frame_in_code_edited_since_it_ran_still_names_its_section(lab):
    """lab.js named a frame after the cell whose current code had the frame's line at its number: once section 2 had
    been edited (two lines added above its code) and not run again, an error passing through the Dense class its
    earlier run defined kept the run's name, `File "cell run 2", line 39, in infer`."""
    page, watch = lab
    watch.allow_console_error("ValueError|PythonError")
    dense, network = code_of(page, "dense"), code_of(page, "network")
    number, line = line_of(page, "dense", "return x @ self.weights + self.biases")  # as Run all ran it
    try:
        set_code(page, "dense", "# edited, not run again\n\n" + dense)
        set_code(page, "network", network.replace("[784, 100, 10]", "[785, 100, 10]"))
        shown = run_cell(page, "network")  # its layers are the Dense that section 2's run defined
        frame = f'  File "section 2", line {number}, in infer\n    {line}\n'
        assert frame in shown, f"no {frame!r} in:\n{shown}"
    finally:
        set_code(page, "dense", dense)
        set_code(page, "network", network)
        run_cell(page, "network")


def test_a_shown_line_with_a_less_than_sign_stays_text(lab):
    """PyScript puts an error into the page as HTML: once tracebacks showed lines, `a<b` opened a tag that took the
    rest of the traceback, message included, as its attributes."""
    page, watch = lab
    watch.allow_console_error("ZeroDivisionError|PythonError")
    loss = code_of(page, "loss")
    set_code(page, "loss", "def compare(a, b):\n    return a<b and 1 / 0\n\n\ncompare(0, 1)\n")
    shown = run_cell(page, "loss")
    assert '  File "section 4", line 2, in compare\n    return a<b and 1 / 0\n' in shown, shown
    assert shown.rstrip().endswith("ZeroDivisionError: division by zero"), shown
    set_code(page, "loss", loss)
    assert "loss 0.4170" in run_cell(page, "loss")


# How far the bottom of an output's content lies below its last error message or advice: an empty line shows as a gap.
GAP_UNDER_ERROR = """out => {
    const last = [...out.querySelectorAll(".lab-message, .lab-advice")].at(-1);
    const bottom = out.getBoundingClientRect().top + out.clientTop + out.clientHeight - parseFloat(getComputedStyle(out).paddingBottom);
    return bottom - last.getBoundingClientRect().bottom;
}"""


def test_an_error_ends_its_output_without_a_blank_line(lab):
    """PyScript writes a newline after each error; once lab.js had put the message on lines of its own, that newline
    made an empty line under the message, or under the advice below it."""
    page, watch = lab
    watch.allow_console_error("ZeroDivisionError|NameError|PythonError")
    loss, weights = code_of(page, "loss"), code_of(page, "weights")
    try:
        set_code(page, "loss", "1 / 0")
        assert run_cell(page, "loss").rstrip().endswith("ZeroDivisionError: division by zero")
        gap = cell(page, "loss").locator(".py-editor-output").evaluate(GAP_UNDER_ERROR)
        assert abs(gap) < 1, f"{gap:.0f} px under the message"
        set_code(page, "weights", "del x\nprint(x)")  # a name section 6 defines: advice under the error
        run_cell(page, "weights")
        assert cell(page, "weights").locator(".lab-advice").inner_text().endswith("x is defined in section 6.")
        gap = cell(page, "weights").locator(".py-editor-output").evaluate(GAP_UNDER_ERROR)
        assert abs(gap) < 1, f"{gap:.0f} px under the advice"
    finally:
        set_code(page, "loss", loss)
        set_code(page, "weights", weights)


def test_an_error_message_wraps_inside_its_cell(lab):
    """numpy's shape error is one 150-character line: it ran past the cell's right edge, its sizes seen only by
    scrolling the output sideways (on a phone, all but "ValueError: matmul: Input operand 1 has a")."""
    page, watch = lab
    watch.allow_console_error("ValueError|PythonError")
    network = code_of(page, "network")
    set_code(page, "network", network.replace("[784, 100, 10]", "[785, 100, 10]"))
    run_cell(page, "network")
    past_the_edge = """out => {
        const walker = document.createTreeWalker(out, NodeFilter.SHOW_TEXT);
        let node;
        while ((node = walker.nextNode()) && !node.data.includes("ValueError: matmul")) {}
        const range = document.createRange();
        range.setStart(node, node.data.indexOf("ValueError: matmul"));
        range.setEnd(node, node.data.indexOf("784)") + 4);
        const right = out.getBoundingClientRect().right;
        return Math.max(0, ...[...range.getClientRects()].map((rect) => rect.right - right));
    }"""
    viewport = page.viewport_size
    try:
        for width, height in ((1280, 800), (375, 667)):
            page.set_viewport_size({"width": width, "height": height})
            past = cell(page, "network").locator(".py-editor-output").evaluate(past_the_edge)
            assert past == 0, f"at {width}x{height} the error message runs {past:.0f} px past the cell's edge"
    finally:
        page.set_viewport_size(viewport)
        set_code(page, "network", network)
        run_cell(page, "network")


def test_a_long_cell_can_be_stopped_and_python_starts_again(lab):
    page, _ = lab
    set_code(page, "sgd", code_of(page, "sgd").replace("epochs = 4", "epochs = 1000"))
    button = cell(page, "sgd").locator(".py-editor-run-button")
    button.click()
    cell(page, "sgd").locator(".py-editor-output", has_text="epoch 1:").wait_for(timeout=RUN_TIMEOUT_MS)
    page.once("dialog", lambda dialog: dialog.accept())  # PyScript asks "Stop evaluating this code?"
    button.click()
    # Stopping ends the worker and sets the cells up again on a new Python, keeping their edited code.
    page.wait_for_selector("body[data-lab=loading]", state="attached")
    assert page.is_disabled("#run-all")
    page.wait_for_selector("body[data-lab=ready]", state="attached", timeout=READY_TIMEOUT_MS)
    # The new Python knows none of the names the cells above defined: the page keeps saying so once it is ready.
    again = "Python is ready again: run the cells above the one you stopped, then go on."
    assert page.inner_text("#lab-status") == again
    page.wait_for_function("() => document.querySelector(`script[data-cell='sgd']`).code?.includes('epochs = 1000')",
                           timeout=READY_TIMEOUT_MS)
    page.wait_for_function("() => [...document.querySelectorAll('script[data-cell]')].every(s => s.target?.querySelector('.py-editor-run-button'))",
                           timeout=READY_TIMEOUT_MS)
    assert "forward:" in run_cell(page, "dense")  # the new Python runs cells
    assert page.inner_text("#lab-status") == again


def test_a_cell_run_before_the_cells_above_shows_its_own_frames_and_which_section_to_run(pages):
    page, watch = pages.open()
    watch.allow_console_error("NameError|PythonError")
    open_lab(page, pages.site)
    shown = run_cell(page, "network")  # its Sequential subclasses Module, defined in section 2 (dense)
    assert shown.startswith("Traceback (most recent call last):\n")
    assert re.search(r'File "section 5", line \d+, in <module>\n    class Sequential\(Module\):', shown)  # the cell's own frame
    assert "/lib/" not in shown and "pyodide" not in shown  # none of Pyodide's own frames
    assert "NameError: name 'Module' is not defined" in shown
    advice = cell(page, "network").locator(".lab-advice")
    assert advice.inner_text() == "Run the cells above first (or Run all): Module is defined in section 2."
    assert cell(page, "network").locator(".py-editor-output span").count() > 0  # still an error, for Run all

    assert "NameError: name 'net' is not defined" in run_cell(page, "evaluate")
    assert cell(page, "evaluate").locator(".lab-advice").inner_text().endswith(": net is defined in section 7.")
    # `rng` is defined in sections 6 and 7: the nearest above the cell is the one to run.
    set_code(page, "weights", "print(rng)")
    assert "NameError: name 'rng' is not defined" in run_cell(page, "weights")
    assert cell(page, "weights").locator(".lab-advice").inner_text().endswith(": rng is defined in section 7.")
    # A name no cell above defines gets no advice, only the error.
    set_code(page, "relu", "print(nowhere)")
    assert "NameError: name 'nowhere' is not defined" in run_cell(page, "relu")
    assert cell(page, "relu").locator(".lab-advice").count() == 0


def test_the_lab_reads_well_on_a_phone(pages):
    page, watch = pages.open(**PHONE)
    open_lab(page, pages.site)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the lab is {overflow}px wider than the phone screen"
    assert "forward:" in run_cell(page, "dense")
    button = cell(page, "dense").locator(".py-editor-run-button").bounding_box()
    assert button["x"] + button["width"] <= 390 and button["width"] >= 24
    # Run and Restore were 32 px tall, the link back to the page 19: a finger's tap 21.75 px above or below the middle
    # of each missed it.
    cell(page, "dense").scroll_into_view_if_needed()
    controls = [f'script[data-cell="dense"] + py-editor {s}' for s in (".py-editor-run-button", ".lab-restore")]
    short = [(e["s"], e["box"]) for e in page.evaluate(SHOWN, controls) if not e["tall"]]
    page.evaluate("scrollTo(0, 0)")
    short += [(e["s"], e["box"]) for e in page.evaluate(SHOWN, [".lab-header a"]) if not e["tall"]]
    assert short == [], f"controls under 44 px tall on a phone: {short}"


# Each grid of pictures the lab's cells draw (lab.html), by cell: the data's 16 digits as built, and in place of the
# 40 first-layer units and the 24 answers (which need a training run) as many of the data's digits.
PICTURES = {"data": None, "weights": "show_images(train_images[:40])",
            "answers": "show_images(test_images[:24], [str(label) for label in test_labels[:24]])"}
# Pictures, rows and pictures in the first row, as laid out.
ROWS = """grid => { const tops = [...grid.children].map((figure) => figure.offsetTop);
    return [tops.length, new Set(tops).size, tops.filter((top) => top === tops[0]).length]; }"""


def test_every_row_of_pictures_is_full(pages):
    """At 1366 px the 40 first-layer units were 13 to a row, the last alone on its own (and the 16 digits and 24
    answers left short rows too): at common window sizes each grid's rows are all full."""
    page, _ = pages.open(viewport={"width": 1366, "height": 768})
    open_lab(page, pages.site)
    for name, code in PICTURES.items():
        if code:
            set_code(page, name, code)
        run_cell(page, name)
    uneven = []
    for width, height in ((1366, 768), (1280, 800), (768, 1024), (375, 667)):
        page.set_viewport_size({"width": width, "height": height})
        for name in PICTURES:
            pictures, rows, columns = cell(page, name).locator(".lab-grid").evaluate(ROWS)
            if rows * columns != pictures:
                uneven.append(f"{width}x{height} {name}: {pictures} pictures {columns} to a row")
    assert uneven == [], uneven


def test_the_code_can_be_read_while_python_starts(pages, lab):
    """PyScript makes the editors only once Python has started (~13 s here, longer on a first visit): until then
    the cells' code is shown as text, and once the editors are made it is not shown twice."""
    page, _ = pages.open()
    page.route("**/pyodide/**", lambda route: None)  # Python never starts: the page as it is while it loads
    page.goto(pages.site.base_url + "lab.html")
    code = page.locator('script[data-cell="data"]')
    code.wait_for(state="visible")
    assert "manifest = json.loads" in code.inner_text()
    assert code.evaluate("element => element.offsetWidth <= element.parentElement.clientWidth")  # scrolls inside
    ready, _ = lab
    assert ready.locator("script[data-cell]:visible").count() == 0
    assert cell(ready, "data").is_visible()


def test_the_code_shown_while_python_starts_has_no_blank_lines_around_it_and_is_the_code_run(pages, lab):
    """Each cell's <script> held its code between the newline after <script> and the indentation before </script>:
    shown as text while Python starts, every cell had an empty line above its code and one below."""
    page, _ = pages.open()
    page.route("**/pyodide/**", lambda route: None)  # Python never starts
    page.goto(pages.site.base_url + "lab.html")
    page.locator('script[data-cell="data"]').wait_for(state="visible")
    shown = dict(page.locator("script[data-cell]").evaluate_all("scripts => scripts.map(s => [s.dataset.cell, s.innerText])"))
    blank = [name for name, text in shown.items() if not (text.split("\n")[0].strip() and text.split("\n")[-1].strip())]
    assert blank == [], f"cells shown with a blank first or last line: {blank}"
    ready, _ = lab
    assert code_of(ready, "data") == shown["data"]  # the editor holds what was shown (no test edits this cell)


# Each picture's pixels, as grey levels (the canvases are grey: red is enough).
GREYS = """grid => [...grid.querySelectorAll("canvas")].map((canvas) => {
    const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    return Array.from({ length: data.length / 4 }, (_, p) => data[4 * p]); })"""


def test_the_weight_pictures_draw_no_change_as_mid_grey(lab):
    """Section 9 drew each unit's change scaled to its own range, so "no change" was a different grey in each
    picture: now 0 is mid-grey in every one, the largest change black or white, and other pictures keep their range."""
    page, _ = lab
    assert "signed=True" in code_of(page, "weights")
    original = code_of(page, "weights")
    set_code(page, "weights", "show_images([[-2.0, 0.0, 1.0, 2.0], [0.0, 0.5, 1.0, 0.0]], signed=True)\n"
                              "show_images([[1.0, 2.0, 3.0, 5.0]])")
    try:
        run_cell(page, "weights")
        signed, plain = (grid.evaluate(GREYS) for grid in cell(page, "weights").locator(".lab-grid").all())
        assert signed == [[0, 128, 191, 255], [128, 191, 255, 128]]
        assert plain == [[0, 64, 128, 255]]
    finally:
        set_code(page, "weights", original)
        run_cell(page, "weights")


def test_pictures_of_weights_gone_to_nan_are_not_drawn_as_black_squares(lab):
    """A learning rate far too large turns the weights to nan, which drew as black squares, read as "the largest
    decrease": the cell says why it draws nothing instead."""
    page, _ = lab
    original = code_of(page, "weights")
    set_code(page, "weights", "show_images([[np.nan, 0.0, 1.0, 2.0], [0.0, 0.5, 1.0, 0.0]], signed=True)")
    try:
        shown = run_cell(page, "weights")
        assert cell(page, "weights").locator(".lab-grid canvas").count() == 0
        assert "Not drawn: 1 of 2 pictures hold nan or inf" in shown and "smaller" in shown
    finally:
        set_code(page, "weights", original)
        run_cell(page, "weights")


@pytest.mark.parametrize("service_workers", ["allow", "block"])
def test_on_a_host_without_isolation_headers_cells_run_and_draw(plain_host, service_workers):
    """Pictures come from printed lines, not from the worker touching the page, so the lab needs no shared
    memory: it works whether or not the main page's service worker (web/coi-sw.js) isolates the site."""
    page, _ = plain_host.open(service_workers=service_workers)
    if service_workers == "allow":  # a visitor who came from the main page, which registers the worker
        page.goto(plain_host.site.base_url)
        # ...and then reloads itself under it (web/js/isolation.js): isolated is the page after that reload, so the
        # lab's navigation below cannot be cut short by it.
        page.wait_for_function("() => navigator.serviceWorker.controller !== null && crossOriginIsolated",
                               timeout=READY_TIMEOUT_MS)
    open_lab(page, plain_host.site)
    assert page.evaluate("crossOriginIsolated") is (service_workers == "allow")
    assert "10000 training and 5000 test images" in run_cell(page, "data")
    assert cell(page, "data").locator(".lab-figures canvas").count() == 16
