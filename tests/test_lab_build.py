"""The lab page's build step: cells filled from mlp_core's reader's path by name (buildlib/lab.py)."""

import ast
import json
import re

import numpy as np
import pytest

from buildlib.errors import BuildError
from buildlib.lab import LAB_CELLS, LAB_PAGE, LAB_SOURCE, cell_code, definitions, render
from buildlib.paths import WEB_DIR, dist_dir
from buildlib.pins import PYSCRIPT, PYSCRIPT_WHEELS
from buildlib.site import staleness

FIXTURE = '''"""A module."""
import numpy as np

SCALE = 2


# Doubles.
def double(x):
    return SCALE * x


class Base:
    pass


@staticmethod
def decorated():
    return 1


class Child(Base):
    """A child."""

    def value(self):
        return double(3)


if True:
    HIDDEN = 1
'''

PAGE = '''<p>prose</p>
<script type="py-editor" env="lab" data-cell="one">
print(Child().value())
</script>
<script type="py-editor" env="lab" data-cell="own">
x = 1
</script>
<script type="py-editor" env="lab" data-cell="two"></script>
'''


def test_definitions_take_top_level_names_with_their_comments_and_decorators():
    found = definitions(FIXTURE)
    assert set(found) == {"SCALE", "double", "Base", "decorated", "Child"}  # not imports, not nested blocks
    assert found["double"] == "# Doubles.\ndef double(x):\n    return SCALE * x"
    assert found["decorated"].startswith("@staticmethod\ndef decorated():")
    assert found["Child"].endswith("return double(3)")


def test_render_fills_named_cells_in_table_order_and_keeps_their_demo_lines():
    cells = {"one": ["SCALE", "double", "Base", "Child"], "two": ["decorated"]}
    page = render(PAGE, FIXTURE, cells)
    first = page.split('data-cell="one"')[1].split(">", 1)[1].split("</script>")[0]
    assert first.index("SCALE = 2") < first.index("def double") < first.index("class Base") < first.index("class Child")
    assert first.rstrip().endswith("print(Child().value())")  # the demo comes after the definitions
    assert 'data-cell="own">x = 1</script>' in page  # the lab's own cells stay as written, without blank lines around
    assert "@staticmethod" in page.split('data-cell="two"')[1]
    assert 'data-cell="one" data-shows="SCALE, double, Base, Child from mlp_core/nn.py">' in page  # said above the cell
    namespace = {}
    exec(first, namespace)  # the filled cell runs: what it shows is self-contained given the table
    assert namespace["Child"]().value() == 6


def test_a_definition_the_source_lost_stops_the_build_by_name():
    with pytest.raises(BuildError, match=r"'one' shows Missing.*LAB_CELLS in buildlib/lab.py"):
        render(PAGE, FIXTURE, {"one": ["double", "Missing"], "two": ["Base"]})


def test_a_table_cell_missing_from_the_page_stops_the_build():
    with pytest.raises(BuildError, match="no cell for 'three'"):
        render(PAGE, FIXTURE, {"one": ["double"], "two": ["Base"], "three": ["Child"]})


def test_code_that_would_end_the_script_element_is_refused():
    source = 'def tag():\n    return "</script>"\n'
    with pytest.raises(BuildError, match="would break the page"):
        render('<script type="py-editor" data-cell="one"></script>', source, {"one": ["tag"]})


def test_the_real_page_and_source_render_and_every_library_cell_runs_in_order():
    """What the build does with web/lab.html and mlp_core/nn.py: the cells' definitions, run one after the
    other in one namespace holding only numpy (as the page's setup cell gives them), define every name."""
    page = render((WEB_DIR / LAB_PAGE).read_text(), LAB_SOURCE.read_text())
    available = definitions(LAB_SOURCE.read_text())
    namespace = {"np": np}
    for cell, names in LAB_CELLS.items():
        assert f'data-cell="{cell}"' in page
        exec(cell_code(available, names, cell), namespace)
        assert all(name in namespace for name in names)
    for cell_text in page.split('type="py-editor"')[1:]:  # every cell compiles (top-level await as in Pyodide)
        code = cell_text.split(">", 1)[1].split("</script>")[0]
        compile(code, "<cell>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)


def test_the_lab_pins_are_complete():
    assert "dist/core.js" in PYSCRIPT["files"] and "dist/core.css" in PYSCRIPT["files"]
    assert not [name for name in PYSCRIPT["files"] if name.endswith(".map")]
    assert len(PYSCRIPT_WHEELS["files"]) == len(PYSCRIPT_WHEELS["lock_packages"])


def test_built_site_has_the_lab_with_filled_cells_and_its_pinned_files():
    dist = dist_dir()
    stale = [staleness(dist, quick_model=quick) for quick in (False, True)]
    if None not in stale:
        pytest.skip(f"{dist} is not a build of these sources ({stale[0]}): run `python3 build.py` first")
    lab = (dist / LAB_PAGE).read_text()
    for names in LAB_CELLS.values():
        for name in names:
            assert definitions(LAB_SOURCE.read_text())[name] in lab
    for name in PYSCRIPT["files"]:
        assert (dist / "pyscript" / name.removeprefix("dist/")).is_file()
    for member in PYSCRIPT_WHEELS["files"]:
        assert (dist / "pyodide" / member.rsplit("/", 1)[1]).is_file()
    assert json.loads((dist / "build-info.json").read_text())["pins"]["pyscript"]["version"] == PYSCRIPT["version"]


def test_the_server_repeats_the_labs_own_csp_and_the_main_pages_stays_strict():
    import http.client
    import threading

    from buildlib.serve import make_server

    dist = dist_dir()
    if not (dist / LAB_PAGE).is_file():
        pytest.skip(f"no {dist / LAB_PAGE}: run `python3 build.py` first")
    server = make_server(dist, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        policies = {}
        for path in ("/lab.html", "/index.html"):
            connection = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=10)
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            policies[path] = response.getheader("Content-Security-Policy")
            connection.close()
    finally:
        server.shutdown()
        server.server_close()
    assert f'content="{policies["/lab.html"]}"' in (dist / LAB_PAGE).read_text()
    assert "'unsafe-eval'" in policies["/lab.html"] and "worker-src 'self' blob:" in policies["/lab.html"]
    assert "'unsafe-eval'" not in policies["/index.html"] and "blob:" not in policies["/index.html"]


def test_every_name_the_cells_take_from_the_hidden_setup_cell_is_named_in_the_text():
    """The setup cell is not shown: a learner met `fetch_bytes`, `decode_shard`, `show_images`, `json` and `gzip` in
    the cells with nothing on the page saying where they came from. Each such name is in the text's <code>."""
    page = render((WEB_DIR / LAB_PAGE).read_text(), LAB_SOURCE.read_text())
    cells = re.findall(r'<script type="py-editor"([^>]*)>(.*?)</script>', page, re.DOTALL)
    setup = ast.parse(next(code for attributes, code in cells if " setup" in attributes))
    given = {alias.asname or alias.name.split(".")[0] for node in setup.body if isinstance(node, (ast.Import, ast.ImportFrom))
             for alias in node.names}
    given |= set(definitions(ast.unparse(setup)))
    used = {node.id for attributes, code in cells if " setup" not in attributes
            for node in ast.walk(ast.parse(code)) if isinstance(node, ast.Name)}
    text = re.sub(r"<script\b.*?</script>|<!--.*?-->", "", page, flags=re.DOTALL)
    named = set(re.findall(r"\w+", " ".join(re.findall(r"<code>(.*?)</code>", text, re.DOTALL))))
    assert sorted(given & used - named) == [], "names the cells use from the hidden setup cell, unexplained"
