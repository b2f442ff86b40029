"""Assemble dist/ (layout: docs/ARCHITECTURE.md, "Site layout") and swap it in atomically.

The site is built in <dist>.tmp-<pid>/ and renamed to dist/ only when every step succeeded, so a failed
build leaves the previous dist/ as it was. build-info.json is written last and carries the key of the
inputs it was built from: `serve` rebuilds when that key no longer matches the sources.
"""

import contextlib
import hashlib
import json
import os
import shutil
import zipfile
from pathlib import Path

from .errors import BuildError
from .paths import MLP_CORE_DIR, ROOT, WEB_DIR

BUILD_SOURCES = [ROOT / "build.py", *sorted((ROOT / "buildlib").glob("*.py"))]
ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # fixed timestamps: the same sources give the same bundle.zip
SKIP_NAMES = {"__pycache__", ".DS_Store"}


def source_files(folder: Path, pattern: str = "*") -> list:
    return sorted(p for p in folder.rglob(pattern)
                  if p.is_file() and not SKIP_NAMES.intersection(p.parts) and p.suffix != ".pyc")


def mlp_core_sources() -> list:
    """The library's .py files: bundled into the site and hashed into the site and model keys."""
    return source_files(MLP_CORE_DIR, "*.py")


def inputs_key(quick_model: bool) -> str:
    """Hash of everything the site is made from (the pins live in buildlib/pins.py)."""
    digest = hashlib.sha256(f"quick_model={quick_model}\0".encode())
    for path in BUILD_SOURCES + source_files(WEB_DIR) + mlp_core_sources():
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def staleness(dist: Path, quick_model: bool):
    """None when dist/ is a finished build of the current sources, else the reason to rebuild."""
    info_path = dist / "build-info.json"
    if not info_path.is_file():
        return f"{dist} has no finished build"
    try:
        built_from = json.loads(info_path.read_text()).get("inputs_key")
    except ValueError:
        return f"{info_path} is not valid JSON"
    if built_from != inputs_key(quick_model):
        return "sources, pins or options changed since the last build"
    return None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_abandoned_staging(dist: Path) -> None:
    """Staging folders left by builds that were killed (their process is gone)."""
    for leftover in dist.parent.glob(f"{dist.name}.tmp-*"):
        pid = leftover.name.rsplit("-", 1)[-1]
        if pid.isdigit() and not _pid_alive(int(pid)):
            shutil.rmtree(leftover, ignore_errors=True)


@contextlib.contextmanager
def staged(dist: Path):
    """Yield an empty staging folder next to ``dist`` (the site, or any cached folder); on success it
    replaces ``dist``, on any error it is removed."""
    dist.parent.mkdir(parents=True, exist_ok=True)
    _remove_abandoned_staging(dist)
    stage = dist.parent / f"{dist.name}.tmp-{os.getpid()}"
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir()
    try:
        yield stage
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    previous = dist.parent / f"{dist.name}.tmp-old-{os.getpid()}"
    if dist.exists():
        os.replace(dist, previous)
    os.replace(stage, dist)
    shutil.rmtree(previous, ignore_errors=True)


def copy_page(site: Path) -> None:
    """web/ minus web/py (which goes into py/bundle.zip)."""
    if not (WEB_DIR / "index.html").is_file():
        raise BuildError(f"{WEB_DIR / 'index.html'} is missing: there is no page to build")
    for path in source_files(WEB_DIR):
        relative = path.relative_to(WEB_DIR)
        if relative.parts[0] == "py":
            continue
        (site / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, site / relative)


def write_bundle(target: Path) -> list:
    """py/bundle.zip: the mlp_core package and web/py/*.py at the zip root, for the worker to unpack."""
    members = [(p, "mlp_core/" + p.relative_to(MLP_CORE_DIR).as_posix()) for p in mlp_core_sources()]
    members += [(p, p.relative_to(WEB_DIR / "py").as_posix()) for p in source_files(WEB_DIR / "py", "*.py")]
    if not any(name == "mlp_core/__init__.py" for _, name in members):
        raise BuildError(f"{MLP_CORE_DIR / '__init__.py'} is missing: mlp_core is not a package yet")
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as bundle:
        for path, name in members:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            bundle.writestr(info, path.read_bytes())
    return [name for _, name in members]


def copy_into(site: Path, relative: str, source: Path) -> Path:
    target = site / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return target
