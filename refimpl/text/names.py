"""The ``name`` custom section for a text module's identifiers (the
extended name section wasm-tools writes: module, functions, locals, labels,
types, tables, memories, globals, elements, data, fields, tags), so a
module read by refimpl encodes like wasm-tools' and engines can show the
text's names."""

from __future__ import annotations

from ..binary.encode import name as encode_name
from ..binary.encode import uleb

# Subsection ids, and the index space each one names.
_SPACES = (
    (1, "func"),
    (4, "type"),
    (5, "table"),
    (6, "memory"),
    (7, "global"),
    (8, "elem"),
    (9, "data"),
    (11, "tag"),
)


def _name_map(names: dict[int, str]) -> bytes:
    entries = sorted(names.items())
    return uleb(len(entries)) + b"".join(uleb(i) + encode_name(n) for i, n in entries)


def _indirect(maps: dict[int, dict[int, str]]) -> bytes:
    entries = sorted((i, m) for i, m in maps.items() if m)
    return uleb(len(entries)) + b"".join(uleb(i) + _name_map(m) for i, m in entries)


def name_section(
    module: str | None,
    spaces: dict[str, dict[str, int]],
    locals_: dict[int, dict[int, str]],
    labels: dict[int, dict[int, str]],
    fields: dict[int, dict[int, str]],
    annotated: dict[str, dict[int, str]] | None = None,
) -> bytes | None:
    """The section's payload (after its name), or None if nothing is named.
    ``annotated``: names from ``@name`` annotations, over the $ids'."""
    subsections: list[tuple[int, bytes]] = []
    if module is not None:
        subsections.append((0, encode_name(module)))
    inverted = {space: {i: n for n, i in ids.items()} for space, ids in spaces.items()}
    for space, names in (annotated or {}).items():
        inverted[space] = {**inverted.get(space, {}), **names}
    for sid, space in _SPACES[:1]:
        if inverted.get(space):
            subsections.append((sid, _name_map(inverted[space])))
    if any(locals_.values()):
        subsections.append((2, _indirect(locals_)))
    if any(labels.values()):
        subsections.append((3, _indirect(labels)))
    for sid, space in _SPACES[1:]:
        if inverted.get(space):
            subsections.append((sid, _name_map(inverted[space])))
    if any(fields.values()):
        subsections.append((10, _indirect(fields)))
    subsections.sort(key=lambda s: s[0])
    if not subsections:
        return None
    return b"".join(bytes((sid,)) + uleb(len(body)) + body for sid, body in subsections)
