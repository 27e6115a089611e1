"""What a command is about, for summaries: the feature or proposal of its
file and its assertion kind.  One definition for the console's by-feature
summary (``report.py``) and the HTML conformance matrix (``html_report.py``)."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

# Feature by file stem, for files of the core suites (first match wins).
_STEM_RULES: tuple[tuple[str, str], ...] = (
    (r"^simd_|_simd$", "simd"),
    (r"^relaxed_|_relaxed_", "relaxed-simd"),
    (r"^(array|struct|i31|ref_cast|ref_test|br_on_cast|extern$|type-(rec|subtyping|canon|equiv))"
     r"|^binary-gc$|^ref_eq$", "gc"),
    (r"^(throw|throw_ref|try_table|tag|exnref)$", "exceptions"),
    (r"^(call_ref|return_call_ref|br_on_null|br_on_non_null|ref_as_non_null|local_init|ref)$",
     "function-references"),
    (r"^return_call", "tail-call"),
    (r"(?<![if])64($|-)|_64$", "memory64"),
    (r"[a-z_]\d$|-multi$", "multi-memory"),
    (r"^(bulk|memory_copy|memory_fill|memory_init|data_drop|table_copy|table_init|elem_drop)",
     "bulk-memory"),
    (r"^(ref_null|ref_is_null|ref_func|table_(get|set|size|grow|fill)|table-sub|select)$",
     "reference-types"),
)  # fmt: skip


def feature_of(file: str) -> str:
    """The feature or proposal a script tests, from its path: the folder under
    ``proposals/`` (``proposals/threads/atomic.wast`` → ``threads``),
    ``legacy/...`` → ``legacy-NAME``, other folders (``custom/``) by name,
    and top-level files by their stem's rules (``simd_*`` → ``simd``,
    ``*64`` → ``memory64``, ``address1`` → ``multi-memory``, ``struct`` →
    ``gc`` ...); everything else is ``core``.  A ``[profile]`` suffix of a
    file run under several profiles is ignored."""
    path = PurePosixPath(file.split("[")[0].replace("\\", "/"))
    parts = path.parts
    if "proposals" in parts[:-1]:
        return parts[parts.index("proposals") + 1]
    if "legacy" in parts[:-1]:
        rest = parts[parts.index("legacy") + 1 : -1]
        return "legacy-" + (rest[0] if rest else "exceptions")
    if len(parts) > 2 and parts[-2] not in ("current", "wasm-2.0", "pre-bulk-memory"):
        return parts[-2]
    stem = path.stem
    for pattern, feature in _STEM_RULES:
        if re.search(pattern, stem):
            return feature
    return "core"


def assertion_kind(command: str) -> str:
    """The command's kind: its first word (``assert_return``, ``module`` ...)."""
    word = command.strip().lstrip("(").split(" ", 1)[0]
    return word or "?"
