"""Custom sections from ``(@custom ...)`` annotations (the annotations
proposal): where each goes among the sections, and the proposal's texts on
errors ("@custom annotation: ...", "misplaced @custom annotation")."""

from __future__ import annotations

from ..binary.branch_hints import encode_branch_hints
from ..syntax import module as m
from .lexer import BRANCH_HINT, KW, LP, RP, STR, Annotation, TextError
from .reader import Cursor

SECTIONS = {
    "type": 1,
    "import": 2,
    "func": 3,
    "table": 4,
    "memory": 5,
    "tag": 13,
    "global": 6,
    "export": 7,
    "start": 8,
    "elem": 9,
    "datacount": 12,
    "code": 10,
    "data": 11,
}
SECTION_ORDER = (1, 2, 3, 4, 5, 13, 6, 7, 8, 9, 12, 10, 11)


def module_annotations(annotations: list[Annotation], depth: int) -> list[Annotation]:
    """The @custom annotations among a module's fields (at ``depth``);
    one anywhere deeper is misplaced."""
    for ann in annotations:
        if ann.depth != depth:
            raise TextError("misplaced @custom annotation", ann.line)
    return annotations


def check_branch_hints(hints: list[Annotation], funcs: list[tuple[int, int]]) -> dict[int, int]:
    """The branch hints proposal's malformed cases: a hint outside every
    function (``funcs``: token ranges of the func fields), two hints on
    one instruction, or a value other than one byte 0 or 1.  The hints by
    the position of the token they precede."""
    seen: dict[int, int] = {}
    for ann in hints:
        if not any(start < ann.index < end for start, end in funcs):
            raise TextError(f"@{BRANCH_HINT} annotation: not in a function", ann.line)
        if ann.index in seen:
            raise TextError(f"@{BRANCH_HINT} annotation: duplicate annotation", ann.line)
        cur = Cursor(ann.tokens)
        value = cur.string() if cur.peek().kind == STR else None
        if value not in (b"\x00", b"\x01") or not cur.at_eof():
            raise TextError(f"@{BRANCH_HINT} annotation: malformed branch hint", ann.line)
        seen[ann.index] = value[0]
    return seen


def branch_hint_section(hints: dict[int, tuple[tuple[int, int], ...]], present: set[int]):
    """The hints' custom section, placed before the code section (as
    wasm-tools writes it), with its slot among the @custom sections."""
    pos = SECTION_ORDER.index(SECTIONS["code"])
    after = _last_present(SECTION_ORDER[pos - 1], present)
    return 2 * pos, m.Custom(BRANCH_HINT, encode_branch_hints(hints), after)


def _last_present(after: int, present: set[int]) -> int:
    """The last section the module has at or before ``after`` (0: none)."""
    if not after:
        return 0
    pos = SECTION_ORDER.index(after)
    return next((s for s in reversed(SECTION_ORDER[: pos + 1]) if s in present), 0)


def present_sections(module: m.Module) -> set[int]:
    """The ids of the sections ``module`` encodes to (non-empty ones)."""
    has = {
        1: module.types,
        2: module.imports,
        3: module.funcs,
        4: module.tables,
        5: module.mems,
        13: module.tags,
        6: module.globals,
        7: module.exports,
        8: module.start is not None,
        9: module.elems,
        12: module.data_count is not None,
        10: module.funcs,
        11: module.datas,
    }
    return {sid for sid, there in has.items() if there}


def custom_section(ann: Annotation, present: set[int]) -> tuple[int, m.Custom]:
    """A custom section from ``(@custom "name" (before|after S)? "data"*)``
    (the annotations proposal's texts on errors), placed after the last
    section the module has at or before the place asked for; with its
    slot (before or after which section) to order customs that share a
    place."""
    cur = Cursor(ann.tokens)

    def fail(what: str) -> TextError:
        return TextError(f"@custom annotation: {what}", ann.line)

    if cur.peek().kind != STR:
        raise fail("missing section name")
    try:
        name = cur.string().decode("utf-8")
    except UnicodeDecodeError:
        raise fail("malformed UTF-8 encoding") from None
    after = SECTION_ORDER[-1]
    slot = 2 * len(SECTION_ORDER)
    if cur.peek().kind == LP:
        cur.lp()
        where, what = cur.peek(), cur.peek(1)
        if where.kind != KW or where.value not in ("before", "after"):
            raise fail("malformed placement")
        if what.kind != KW or what.value not in (*SECTIONS, "first", "last"):
            raise fail("malformed section kind")
        cur.i += 2
        if cur.peek().kind != RP:
            raise fail("unexpected token")
        cur.i += 1
        if what.value == "first":
            after = 0 if where.value == "before" else SECTION_ORDER[0]
            slot = -1 if where.value == "before" else 1
        elif what.value == "last":
            after = SECTION_ORDER[-1]
        else:
            sid = SECTIONS[what.value]
            pos = SECTION_ORDER.index(sid)
            if where.value == "after":
                after, slot = sid, 2 * pos + 1
            else:
                after, slot = (SECTION_ORDER[pos - 1] if pos else 0), 2 * pos
    data = bytearray()
    while cur.peek().kind == STR:
        data += cur.string()
    if not cur.at_eof():
        raise fail("unexpected token")
    return slot, m.Custom(name, bytes(data), _last_present(after, present))
