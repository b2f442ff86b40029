"""The lab page: web/lab.html's library cells are filled at build time from mlp_core's reader's path.

A cell `<script type="py-editor" ... data-cell="relu">demo lines</script>` whose name is a key of LAB_CELLS
gets the top-level definitions LAB_CELLS names, taken from LAB_SOURCE by `ast` in the order listed, then
its own demo lines. The page's other cells (loading data, the gradient check, the training loop) are the
lab's own code and stay as written, but for the blank lines around them: lab.css shows a cell's code as text until
Python starts, so every cell's code starts right after its <script> tag and ends right before </script>. A definition
that LAB_SOURCE no longer has stops the build by name.
"""

import ast
import re
from pathlib import Path

from .errors import BuildError
from .paths import ROOT

LAB_PAGE = "lab.html"  # in web/, and in the site
LAB_SOURCE = ROOT / "mlp_core" / "nn.py"
# Which cell shows which definitions of LAB_SOURCE: the one table to change when that file changes.
LAB_CELLS = {
    "dense": ["Module", "Dense"],
    "relu": ["ReLU"],
    "loss": ["softmax_cross_entropy"],
    "network": ["he_init", "tutorial_init", "INITIALISERS", "Sequential"],
    "sgd": ["SGD"],
}
_CELL = re.compile(r'(<script\b[^>]*\bdata-cell="([\w-]+)"[^>]*>)(.*?)(</script>)', re.DOTALL)


def definitions(source: str, filename: str = "<source>") -> dict:
    """Top-level classes, functions and simple assignments of a module: name -> their source text,
    with their decorators and the comment lines right above them."""
    lines = source.splitlines()
    found = {}
    for node in ast.parse(source, filename).body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            names = [node.name]
        elif isinstance(node, ast.Assign):
            names = [target.id for target in node.targets if isinstance(target, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names = [node.target.id]
        else:
            continue
        start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])]) - 1
        while start > 0 and lines[start - 1].lstrip().startswith("#"):
            start -= 1
        text = "\n".join(lines[start:node.end_lineno])
        for name in names:
            found[name] = text
    return found


def cell_code(available: dict, names: list, where: str) -> str:
    """The named definitions, in the order given, separated as in a module."""
    missing = [name for name in names if name not in available]
    if missing:
        raise BuildError(f"the lab cell {where} shows {', '.join(missing)}, but {LAB_SOURCE.name} has no top-level "
                         f"definition of that name: update LAB_CELLS in buildlib/lab.py to the names it now defines.")
    return "\n\n\n".join(available[name] for name in names)


def render(page: str, source: str, cells: dict = None) -> str:
    """page with every library cell filled from source; BuildError if a cell or a name is missing."""
    cells = LAB_CELLS if cells is None else cells
    available = definitions(source, str(LAB_SOURCE))
    filled = []

    def fill(match):
        opening, name, demo, closing = match.groups()
        if name not in cells:  # the lab's own code, without the blank lines around it (its first line's indent kept)
            return opening + re.sub(r"\A\s*\n", "", demo).rstrip() + closing
        if name in filled:
            raise BuildError(f"{LAB_PAGE} has two cells named {name!r}")
        filled.append(name)
        code = cell_code(available, cells[name], repr(name))
        demo = demo.strip()
        body = code + ("\n\n\n" + demo if demo else "")
        for bad in ("</script", "<!--"):  # the HTML parser reads a script's text raw, except these
            if bad in body.lower():
                raise BuildError(f"the code of lab cell {name!r} contains {bad!r}, which would break the page")
        shows = f' data-shows="{", ".join(cells[name])} from {LAB_SOURCE.parent.name}/{LAB_SOURCE.name}"'
        return f"{opening[:-1]}{shows}>{body}{closing}"

    rendered = _CELL.sub(fill, page)
    absent = [name for name in cells if name not in filled]
    if absent:
        raise BuildError(f"{LAB_PAGE} has no cell for {', '.join(map(repr, absent))} (LAB_CELLS in buildlib/lab.py "
                         f"names them): add `<script type=\"py-editor\" env=\"lab\" data-cell=\"NAME\">` cells.")
    return rendered


def write_lab(web_dir: Path, site: Path) -> Path:
    """site/lab.html rendered from web/lab.html and LAB_SOURCE."""
    if not LAB_SOURCE.is_file():
        raise BuildError(f"{LAB_SOURCE} is missing: the lab's cells are taken from it")
    target = site / LAB_PAGE
    target.write_text(render((web_dir / LAB_PAGE).read_text(), LAB_SOURCE.read_text()))
    return target
