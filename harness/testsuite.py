"""Where the official testsuite and the project's own scripts are, and which
profile each suite is judged under."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from .dialect import detect

REPO_ROOT = Path(__file__).resolve().parent.parent
OWN_SPECTESTS = REPO_ROOT / "spectests"


@dataclass(frozen=True)
class Suite:
    name: str
    folder: str
    profile: str
    description: str


SUITES: dict[str, Suite] = {
    s.name: s
    for s in (
        Suite("current", "current", "3.0", "Wasm 3.0 core"),
        Suite("wasm-2.0", "wasm-2.0", "2.0", "the core just before 3.0 merged"),
        Suite("pre-bulk-memory", "pre-bulk-memory", "mvp", "the core before bulk memory"),
    )
}

MISSING_MESSAGE = (
    "the official WebAssembly testsuite was not found: pass --testsuite DIR or set "
    "WASM_TESTSUITE to a folder holding current/, wasm-2.0/ and pre-bulk-memory/ "
    "(a checkout of https://github.com/WebAssembly/testsuite gives current/), "
    "or place it at ../shared/testsuite"
)


TESTSUITE_ENV = "WASM_TESTSUITE"


def find_testsuite(explicit: str | os.PathLike | None = None) -> Path | None:
    """The testsuite folder: the option, else $WASM_TESTSUITE, else
    ../shared/testsuite beside the working directory or the repository."""
    candidates = []
    if explicit:
        candidates.append(Path(explicit))
    elif os.environ.get(TESTSUITE_ENV):
        candidates.append(Path(os.environ[TESTSUITE_ENV]))
    else:
        candidates += [
            Path.cwd().parent / "shared" / "testsuite",
            REPO_ROOT.parent / "shared" / "testsuite",
        ]
    for c in candidates:
        if c.is_dir():
            return c.resolve()
    return None


def suite_files(root: Path, suite: str, nested: bool = False) -> list[Path]:
    """The suite's top-level .wast files (with ``nested``, also proposals/,
    legacy/ ... below it), sorted."""
    folder = root / SUITES[suite].folder
    pattern = "**/*.wast" if nested else "*.wast"
    return sorted(folder.glob(pattern))


# Folders of the current suite whose scripts are judged under another
# profile: ``proposals/NAME/`` (named after the proposal's repository, whose
# spec it forked from some version of the core) and ``legacy/``.
FOLDER_PROFILES = {
    # Forked before reference types: "multiple tables" is still invalid.
    "threads": "mvp,+threads",
    "wide-arithmetic": "3.0,+wide_arithmetic",
    "custom-page-sizes": "3.0,+custom_page_sizes",
    "custom-descriptors": "3.0,+custom_descriptors",
    "legacy": "3.0,+legacy_exceptions",
}


def suite_profile(path: Path, root: Path | None) -> str | None:
    """The profile a file of an official suite is judged under: the
    suite's, or the one its proposal folder names (``current/proposals/
    threads/atomic.wast`` -> ``mvp,+threads``)."""
    suite = suite_of(path, root)
    if suite is None or root is None:
        return None
    folders = path.resolve().relative_to(root).parts[1:-1]
    if folders[:1] == ("proposals",):
        folders = folders[1:]
    return FOLDER_PROFILES.get(folders[0], suite.profile) if folders else suite.profile


def suite_of(path: Path, root: Path | None) -> Suite | None:
    if root is None:
        return None
    try:
        rel = path.resolve().relative_to(root)
    except ValueError:
        return None
    for s in SUITES.values():
        if rel.parts and rel.parts[0] == s.folder:
            return s
    return None


_PROFILE_HEADER = re.compile(r"^;;\s*profiles?:\s*(.+)$", re.MULTILINE)


def declared_profiles(path: Path) -> list[str] | None:
    """Profiles a script of our own asks to run under: a comment line
    ``;; profiles: mvp 2.0`` among its first lines (a profile with flags
    keeps its commas: ``mvp,+threads 2.0,+threads``)."""
    try:
        head = path.read_text(encoding="utf-8", errors="replace")[:2000]
    except OSError:
        return None
    m = _PROFILE_HEADER.search(head)
    if not m:
        return None
    return [p for p in re.split(r"\s+|,(?![+-])", m.group(1).strip()) if p]


def profiles_for(
    path: Path, root: Path | None, override: str | None = None, dialect: str = "auto"
) -> list[str]:
    """The profiles a script runs under: an explicit override, else its
    suite's, else its dialect's (wasmtime's ``;;!`` features), else its own
    header's, else Wasm 3.0."""
    if override:
        return [override]
    official = suite_profile(path, root)
    if official:
        return [official]
    foreign = detect(path, dialect).profile()
    if foreign:
        return [foreign]
    return declared_profiles(path) or ["3.0"]
