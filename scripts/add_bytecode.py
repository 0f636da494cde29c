"""Add byte code to a packaged stage's deployment.zip, so that a Lambda cold start does not compile.

    .venv/bin/python -m scripts.add_bytecode out/<stage>

`chalice package` puts sources only in the zip (the app's and its dependencies'), and Lambda's
/var/task is read-only, so every cold start compiled each module it imported. This adds, next to
each `.py`, `__pycache__/<name>.cpython-XY.pyc` compiled by this interpreter with unchecked-hash
invalidation (valid whatever the files' times in the zip; the zip is rebuilt for every change).
It refuses to run unless this interpreter's version is the template's Lambda runtime: byte code
of another Python version would be ignored. It also leaves out the test suites NumPy and SciPy
ship (`left_out`), which would push the package past Lambda's 250 MB. Run by `make package` and
tests/unit/test_package.py.
"""

from __future__ import annotations

import importlib.util
import py_compile
import re
import sys
import tempfile
import zipfile
from pathlib import Path

RUNTIME = re.compile(r"^\s*Runtime:\s*python(\d+)\.(\d+)\s*$", re.MULTILINE)
# The test suites NumPy and SciPy ship (about 45 MB of the 270 MB they and the rest take unzipped,
# more than Lambda's 250 MB allow): their tests and test data are left out of the zip. The modules
# right in a `tests` package whose names start with "_" stay: the libraries import some of them
# (SciPy's linear algebra imports numpy._core.tests._natype, through numpy.testing).
_TESTS = re.compile(r"^(?:numpy|scipy)/(?:.+/)?tests/(?P<rest>.+)$")


def left_out(name: str) -> bool:
    """Whether a zip entry is a dependency's test or test data (see _TESTS)."""
    found = _TESTS.match(name)
    if found is None:
        return False
    rest = found.group("rest")
    return "/" in rest or not (rest.startswith("_") and rest.endswith(".py"))


def runtime_version(template: Path) -> tuple[int, int]:
    """The Python version of the function's runtime in a packaged template (sam.yaml)."""
    versions = {(int(major), int(minor)) for major, minor in RUNTIME.findall(template.read_text())}
    if len(versions) != 1:
        raise SystemExit(f"{template}: expected one python runtime, found {sorted(versions) or 'none'}")
    return versions.pop()


def bytecode_name(source: str) -> str:
    """Where the interpreter looks for a source file's byte code (e.g. `a/__pycache__/b.cpython-311.pyc`)."""
    return Path(importlib.util.cache_from_source(source)).as_posix()


def add_bytecode(package_dir: Path) -> int:
    """Rewrite `package_dir`/deployment.zip with byte code for every `.py` (and none other), without
    the entries `left_out` names; returns how many modules got byte code."""
    runtime = runtime_version(package_dir / "sam.yaml")
    if sys.version_info[:2] != runtime:
        raise SystemExit(f"the runtime is python{runtime[0]}.{runtime[1]}: run this with that Python "
                         f"(this is {sys.version_info[0]}.{sys.version_info[1]})")
    archive = package_dir / "deployment.zip"
    rebuilt = archive.with_suffix(".zip.tmp")
    compiled = 0
    with tempfile.TemporaryDirectory() as scratch, zipfile.ZipFile(archive) as source, \
            zipfile.ZipFile(rebuilt, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if "/__pycache__/" in f"/{info.filename}":
                continue  # byte code from the working tree (chalice copies chalicelib/ whole): replaced
            if left_out(info.filename):
                continue  # a dependency's own tests
            data = source.read(info)
            target.writestr(info, data)  # keeps the entry's compression and permissions
            if not info.filename.endswith(".py"):
                continue
            path = Path(scratch) / info.filename
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            pyc = Path(scratch) / "out.pyc"
            try:
                py_compile.compile(str(path), cfile=str(pyc), dfile=info.filename, doraise=True,
                                   invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
            except py_compile.PyCompileError:
                continue  # not valid Python for this version (templates, samples): Python never imports it
            target.write(pyc, bytecode_name(info.filename))
            compiled += 1
    rebuilt.replace(archive)
    return compiled


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        raise SystemExit("usage: python -m scripts.add_bytecode out/<stage>")
    count = add_bytecode(Path(args[0]))
    print(f"{args[0]}/deployment.zip: byte code added for {count} modules")
    return 0


if __name__ == "__main__":
    sys.exit(main())
