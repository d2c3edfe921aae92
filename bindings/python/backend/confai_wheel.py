"""The PEP 517 build backend of the confai Python package.

The wheel carries the C library it wraps: build_wheel runs meson on the
repository this folder belongs to, into a scratch build folder, compiles only
the shared library, installs it into a staging folder (so it carries no
build-tree run path) and puts it into the wheel as confai/libconfai.so.0.
The package then needs no environment variable to find it.

Why not meson-python or scikit-build-core: meson-python builds the meson
project whose root holds pyproject.toml, and libconfai's root is two folders
up, with a project of its own; the package itself is pure Python over ctypes,
so the one compiled file is the library, and bundling it takes a few lines of
the standard library (zipfile, hashlib) and no build dependency at all, which
also lets a wheel be built offline.

The wheel is tagged py3-none-<platform>: any Python 3 with ctypes, this
platform only. libconfai.so.0 links the system's OpenSSL 3, libcurl and
cJSON, which must be installed where the wheel is used (it is not a
manylinux wheel). An sdist is not offered: the source is the repository.

config_settings (pip --config-settings / -C):
  meson-args  extra arguments for `meson setup`, split on spaces
  builddir    an existing meson build folder of this repository to compile
              the library in, instead of a new scratch folder (the tests use
              their own build folder and so compile nothing twice)
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import zipfile
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python < 3.11
    import tomli as tomllib

PACKAGE_DIR = Path(__file__).resolve().parents[1]
REPO = PACKAGE_DIR.parents[1]
LIBRARY = "libconfai.so.0"
# a fixed time for every entry: the same tree gives the same zip listing
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


class BuildError(RuntimeError):
    pass


def _project():
    with open(PACKAGE_DIR / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["project"]


def _dist_name(project) -> str:
    return project["name"].replace("-", "_")


def _metadata(project) -> str:
    lines = [
        "Metadata-Version: 2.1",
        f"Name: {project['name']}",
        f"Version: {project['version']}",
        f"Summary: {project['description']}",
        f"Requires-Python: {project['requires-python']}",
        f"License: {project['license']['text']}",
    ]
    for dep in project.get("dependencies", []):
        lines.append(f"Requires-Dist: {dep}")
    for extra, deps in project.get("optional-dependencies", {}).items():
        lines.append(f"Provides-Extra: {extra}")
        for dep in deps:
            marker = f'extra == "{extra}"'
            if ";" in dep:
                req, own = dep.split(";", 1)
                lines.append(f"Requires-Dist: {req.strip()} ; ({own.strip()}) and {marker}")
            else:
                lines.append(f"Requires-Dist: {dep} ; {marker}")
    readme = PACKAGE_DIR / project["readme"]
    lines.append("Description-Content-Type: text/markdown")
    return "\n".join(lines) + "\n\n" + readme.read_text(encoding="utf-8")


def _platform_tag() -> str:
    return sysconfig.get_platform().replace("-", "_").replace(".", "_")


def _run(args, log):
    log.write(("$ " + " ".join(str(a) for a in args) + "\n").encode())
    log.flush()
    done = subprocess.run([str(a) for a in args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    log.write(done.stdout)
    if done.returncode != 0:
        sys.stderr.write(done.stdout.decode("utf-8", "replace"))
        raise BuildError(f"{args[0]} {args[1]} failed with status {done.returncode}")


def _build_library(scratch: Path, config_settings) -> bytes:
    """libconfai.so.0 compiled from this repository, as installed bytes."""
    if not (REPO / "meson.build").is_file() or not (REPO / "include" / "confai" / "common.h").is_file():
        raise BuildError(
            f"{REPO} is not the libconfai repository: the confai wheel is built from "
            "bindings/python inside the repository (pip install <repository>/bindings/python)"
        )
    meson = shutil.which("meson")
    if meson is None:
        raise BuildError("meson is needed to build libconfai (and ninja, a C compiler, "
                         "OpenSSL 3, libcurl and cJSON development files)")
    settings = config_settings or {}
    extra = (settings.get("meson-args") or "").split()
    with open(scratch / "meson.log", "wb") as log:
        if settings.get("builddir"):
            build = Path(settings["builddir"]).resolve()
            _check_build_folder(build)
        else:
            build = scratch / "build"
            _run([meson, "setup", build, REPO, "--buildtype=release",
                  "-Dtests=false", "-Dfuzzing=false", "-Dclient=enabled", *extra], log)
        _run([meson, "compile", "-C", build, "src/confai:shared_library"], log)
    built = build / "src" / LIBRARY
    if not built.exists():
        raise BuildError(f"meson compile left no {built}")
    # the build tree's library: it links only system libraries, so it has
    # no run path that points into the build folder
    return built.resolve().read_bytes()


def _check_build_folder(build: Path) -> None:
    info = build / "meson-info" / "meson-info.json"
    try:
        with open(info, encoding="utf-8") as f:
            source = json.load(f)["directories"]["source"]
    except (OSError, ValueError, KeyError) as exc:
        raise BuildError(f"builddir {build} is not a meson build folder ({exc})") from None
    if Path(source).resolve() != REPO:
        raise BuildError(f"builddir {build} builds {source}, not {REPO}")


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"sha256={digest}"


def _package_files():
    source = PACKAGE_DIR / "src"
    for path in sorted(source.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            if path.name == LIBRARY:
                continue  # only the library built here goes in
            yield path.relative_to(source).as_posix(), path.read_bytes()


def _write_wheel(directory: str, project, files) -> str:
    name = _dist_name(project)
    tag = f"py3-none-{_platform_tag()}"
    wheel_name = f"{name}-{project['version']}-{tag}.whl"
    dist_info = f"{name}-{project['version']}.dist-info"
    files = list(files)
    files.append((f"{dist_info}/METADATA", _metadata(project).encode("utf-8")))
    files.append((f"{dist_info}/WHEEL", (
        "Wheel-Version: 1.0\n"
        "Generator: confai_wheel\n"
        "Root-Is-Purelib: false\n"
        f"Tag: {tag}\n").encode()))
    license_file = REPO / "LICENSE"
    if license_file.is_file():
        files.append((f"{dist_info}/LICENSE", license_file.read_bytes()))
    record = io.StringIO()
    writer = csv.writer(record, lineterminator="\n")
    for arcname, data in files:
        writer.writerow([arcname, _record_hash(data), len(data)])
    writer.writerow([f"{dist_info}/RECORD", "", ""])
    files.append((f"{dist_info}/RECORD", record.getvalue().encode()))
    path = os.path.join(directory, wheel_name)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as whl:
        for arcname, data in files:
            info = zipfile.ZipInfo(arcname, ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (0o755 if arcname.endswith(LIBRARY) else 0o644) << 16
            whl.writestr(info, data)
    return wheel_name


# --- PEP 517 hooks -------------------------------------------------------------

def get_requires_for_build_wheel(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    project = _project()
    dist_info = Path(metadata_directory) / f"{_dist_name(project)}-{project['version']}.dist-info"
    dist_info.mkdir(parents=True, exist_ok=True)
    (dist_info / "METADATA").write_text(_metadata(project), encoding="utf-8")
    return dist_info.name


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    project = _project()
    scratch = Path(tempfile.mkdtemp(prefix="confai-wheel-"))
    try:
        library = _build_library(scratch, config_settings)
        files = list(_package_files())
        files.append((f"confai/{LIBRARY}", library))
        return _write_wheel(wheel_directory, project, files)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
