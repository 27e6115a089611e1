"""Modules (spec 6.6): fields, their abbreviations, and index resolution.

Two passes, as identifiers may be used before their definition: the first
walks the fields and binds every identifier of every index space (imports
first: an import after a definition is malformed); the second reads each
field.  Explicit types are read before anything else, so that a type use
with inline parameters finds the first matching type, and types implied by
inline type uses are appended after them, in the order they occur.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field, replace
from operator import itemgetter
from typing import NamedTuple

from ..binary.encode import instruction_offsets
from ..binary.types import FUNC_INDEX_TYPE
from ..errors import UnsupportedFeature
from ..features import Features
from ..syntax import module as m
from ..syntax import types as t
from ..syntax.opcodes import Instr, Op, instr
from .customs import (
    SECTION_ORDER,
    branch_hint_section,
    check_branch_hints,
    custom_section,
    present_sections,
)
from .instructions import END, FRAMES_PER_LEVEL, NESTING_LIMIT, FuncBody
from .keywords import wasm3_texts
from .lexer import ID, KW, LP, RP, STR, Annotation, TextError
from .names import name_section
from .reader import Cursor, Names, TypeReader

# Instructions naming a data segment need the data count section (spec 5.5.16).
_USES_DATA_COUNT = frozenset((Op.MEMORY_INIT, Op.DATA_DROP, Op.ARRAY_NEW_DATA, Op.ARRAY_INIT_DATA))
_OPCODE = itemgetter(0)  # of an ``Instr``
_INLINE = frozenset(("export", "import"))  # a definition's inline exports and import
SPACES = ("type", "func", "table", "memory", "global", "tag", "elem", "data")
FIELDS = frozenset((*SPACES, "rec", "import", "export", "start"))  # module field keywords
_DEFINITIONS = {
    "func": "function",
    "table": "table",
    "memory": "memory",
    "global": "global",
    "tag": "tag",
}
_EXTERN = {
    "func": t.ExternKind.FUNC,
    "table": t.ExternKind.TABLE,
    "memory": t.ExternKind.MEMORY,
    "global": t.ExternKind.GLOBAL,
    "tag": t.ExternKind.TAG,
}


class _Field(NamedTuple):
    kind: str
    start: int  # token index of the field's "("
    end: int  # token index just past its ")"


class _Spaces(dict):
    """The index spaces' identifiers, each made when first used (a
    module uses few of them)."""

    def __missing__(self, space: str) -> Names:
        names = self[space] = Names(space)
        return names


@dataclass
class ModuleContext:
    cur: Cursor
    features: Features
    spaces: dict[str, Names] = field(default_factory=dict)
    fields: dict[int, Names] = field(default_factory=dict)
    types: list[t.SubType] = field(default_factory=list)
    rec_groups: list[t.RecType] = field(default_factory=list)
    n_explicit_types: int = 0
    # The first type that is a plain function type alone in its group, by
    # (params, results): what an inline type use resolves to.
    plain_types: dict[tuple, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.spaces = _Spaces()
        self.tr = TypeReader(self.cur, self.spaces["type"], wasm3_texts(self.features))

    def space(self, kind: str) -> Names:
        return self.spaces[kind]

    def fields_of(self, type_index: int) -> Names:
        return self.fields.get(type_index) or Names("field")

    # -- type uses (spec 6.6.3) ---------------------------------------------

    def func_signature(
        self, names: bool, definition: bool = False
    ) -> tuple[list[t.ValType], list[t.ValType], list]:
        """``(param ...)* (result ...)*``: params, results, param ids."""
        cur = self.cur
        params: list[t.ValType] = []
        ids: list[tuple[str | None, int]] = []  # (id, the index of its token)
        results: list[t.ValType] = []
        word = cur.form()
        while word == "param":
            cur.i += 2
            at = cur.i
            tok = cur.peek()
            if tok.kind == ID:
                if not names:
                    raise cur.unexpected()
                cur.i += 1
                params.append(self.tr.valtype())
                ids.append((tok.value, at))  # type: ignore[arg-type]
            else:
                while not cur.at_rp():
                    params.append(self.tr.valtype())
                    ids.append((None, at))
            cur.rp()
            word = cur.form()
        while word == "result":
            cur.i += 2
            while not cur.at_rp():
                results.append(self.tr.valtype())
            cur.rp()
            word = cur.form()
        if word == "param":  # parameters after results
            if definition and not self.features.bulk_memory:  # Wasm 1.0's text
                raise cur.error("result before parameter", cur.i + 1)
            raise cur.unexpected(cur.i + 1)
        return params, results, ids

    def typeuse(self, names: bool = True) -> tuple[int, list]:
        """``(type x)? (param ...)* (result ...)*``: the type index (an
        implied type is added when needed) and the parameters' ids."""
        cur = self.cur
        explicit = None
        at = cur.i + 1
        if cur.form() == "type":
            cur.i += 2
            explicit = self.space("type").resolve(cur)
            cur.rp()
        params, results, ids = self.func_signature(names)
        if explicit is not None:
            if (params or results) and explicit >= len(self.types):
                raise cur.error(f"unknown type {explicit}", at)
            if params or results:
                known = self.types[explicit].comp if explicit < len(self.types) else None
                if known != t.FuncType(tuple(params), tuple(results)):
                    raise cur.error("inline function type", at)
            elif explicit < len(self.types) and isinstance(self.types[explicit].comp, t.FuncType):
                n = len(self.types[explicit].comp.params)
                ids = [(None, at)] * n
            return explicit, ids
        return self.implied_type(tuple(params), tuple(results)), ids

    def implied_type(self, params: tuple, results: tuple) -> int:
        """The index of the function type a type use gives inline: the
        first such type, else one appended."""
        known = self.plain_types.get((params, results))
        if known is not None:
            return known
        return self.add_group((t.SubType(t.FuncType(params, results)),))

    def add_group(self, subtypes: tuple[t.SubType, ...]) -> int:
        """A recursion group, appended; the index of its first type."""
        index = len(self.types)
        self.rec_groups.append(t.RecType(subtypes))
        self.types.extend(subtypes)
        if len(subtypes) == 1:
            sub = subtypes[0]
            if sub.final and not sub.supertypes and isinstance(sub.comp, t.FuncType):
                self.plain_types.setdefault((sub.comp.params, sub.comp.results), index)
        return index

    def blocktype(self):
        """A block type: none, one result type, or a type index."""
        cur = self.cur
        if cur.at_form("type"):
            index, _ = self.typeuse(names=False)
            return index
        if not cur.at_form("param", "result"):
            return None
        params, results, _ = self.func_signature(False)
        if not params and len(results) == 1:
            return results[0]
        if not params and not results:
            return None
        return self.implied_type(tuple(params), tuple(results))


class ModuleParser:
    """Reads the fields of one module from ``cur`` up to a closing paren
    (or the end of the tokens)."""

    def __init__(
        self,
        cur: Cursor,
        features: Features,
        annotations: list[Annotation],
        name: str | None = None,
        branch_hints: list[Annotation] | None = None,
        names: list[Annotation] | None = None,
    ):
        self.cur = cur
        self.branch_hints = branch_hints or []
        # ``(@name "...")``: where a definition's may stand (the token after
        # its keyword and $id) -> (space, index); the names they give.
        self.name_annotations = names or []
        self.name_spots: dict[int, tuple[str, int]] = {}
        self.annotated: dict[str, dict[int, str]] = {}
        self.deep_names: dict[int, str] = {}  # within a field's parts: token position -> name
        self.hints: dict[int, int] | None = None  # token position -> hint value
        # Function index -> (instruction position in its body -> hint value).
        self.hinted: dict[int, dict[int, int]] = {}
        self.name = name  # the module's $id, for the name section
        self.local_names: dict[int, dict[int, str]] = {}
        self.label_names: dict[int, dict[int, str]] = {}
        self.ctx = ModuleContext(cur, features)
        self.annotations = annotations
        self.imports: list[m.Import] = []
        self.funcs: list[m.Func] = []
        self.tables: list[m.Table] = []
        self.mems: list[m.Memory] = []
        self.globals: list[m.Global] = []
        self.tags: list[m.Tag] = []
        self.elems: list[m.Elem] = []
        self.datas: list[m.Data] = []
        self.exports: list[m.Export] = []
        self.start: int | None = None
        self.uses_data_count = False

    def parse(self) -> m.Module:
        # Room on Python's stack for NESTING_LIMIT levels of instructions.
        needed = NESTING_LIMIT * FRAMES_PER_LEVEL + 1000
        if sys.getrecursionlimit() < needed:
            sys.setrecursionlimit(needed)
        cur = self.cur
        start = cur.i
        fields = self._scan()
        if self.name_annotations:
            self._name_annotations(fields, start)
        if self.branch_hints:
            funcs = [(f.start, f.end) for f in fields if f.kind == "func"]
            self.hints = check_branch_hints(self.branch_hints, funcs)
        ctx = self.ctx
        for f in fields:
            if f.kind in ("type", "rec"):
                cur.i = f.start
                self._type_field(f.kind)
        ctx.n_explicit_types = len(ctx.types)
        for f in fields:
            if f.kind in ("type", "rec"):
                continue
            cur.i = f.start + 2
            getattr(self, "_" + f.kind)()
            cur.rp()
        if fields:
            cur.i = fields[-1].end
        sections = dict(
            types=tuple(ctx.types),
            rec_groups=tuple(ctx.rec_groups),
            imports=tuple(self.imports),
            funcs=tuple(self.funcs),
            tables=tuple(self.tables),
            mems=tuple(self.mems),
            globals=tuple(self.globals),
            tags=tuple(self.tags),
            elems=tuple(self.elems),
            datas=tuple(self.datas),
            start=self.start,
            exports=tuple(self.exports),
            data_count=len(self.datas) if self.uses_data_count else None,
        )
        module = m.Module(**sections)
        # (Most modules have no customs and no names: nothing below is
        # computed for them that they don't need.)
        customs: tuple[m.Custom, ...] = ()
        present = None
        if self.annotations or self.hinted:
            present = present_sections(module)
            placed = sorted(
                (custom_section(ann, present) for ann in self.annotations), key=lambda c: c[0]
            )
            if self.hinted:
                placed.append(branch_hint_section(self._hints_by_offset(module), present))
                placed.sort(key=lambda c: c[0])
            customs = tuple(custom for _, custom in placed)
        names = self._names()
        if names is not None:
            present = present_sections(module) if present is None else present
            last = next((s for s in reversed(SECTION_ORDER) if s in present), 0)
            customs += (m.Custom("name", names, last),)
        if not customs:
            return module
        return m.Module(**sections, customs=customs)

    def _name_annotations(self, fields: list[_Field], start: int) -> None:
        """``(@name "...")`` (the annotations proposal): the module's right
        after ``module $id?``, once; a definition's right after its keyword
        and $id; a parameter's or local's after its $id (or keyword).
        Elsewhere among a module's or a field's own parts it is misplaced;
        deeper elsewhere (labels, struct fields) it is not read yet."""
        cur = self.cur
        module: list[str] = []
        for ann in self.name_annotations:
            toks = ann.tokens.tokens
            if len(toks) != 1 or toks[0].kind != STR:
                raise TextError("@name annotation: malformed name", ann.line)
            try:
                text = toks[0].value.decode("utf-8")  # type: ignore[union-attr]
            except UnicodeDecodeError:
                raise TextError("malformed UTF-8 encoding", ann.line) from None
            owner = next((f for f in fields if f.start < ann.index < f.end), None)
            if owner is None:
                if ann.index != start:
                    raise TextError("misplaced @name annotation", ann.line)
                module.append(text)
                continue
            spot = self.name_spots.get(ann.index)
            if spot is not None:
                space, index = spot
                self.annotated.setdefault(space, {}).setdefault(index, text)
            elif _depth_in(cur.toks, owner.start, ann.index) == 1:
                raise TextError("misplaced @name annotation", ann.line)
            else:  # a parameter's or local's, if it stands after one's binder
                self.deep_names.setdefault(ann.index, text)
        if len(module) > 1:
            raise TextError("@name annotation: multiple module", self.name_annotations[1].line)
        if module:
            self.name = module[0]

    def _names(self) -> bytes | None:
        """The name section's payload, if anything is named (most modules
        name nothing: checked first, on the identifiers as bound)."""
        spaces = self.ctx.spaces
        if (
            self.name is None
            and not self.annotated
            and not any(names.ids for names in spaces.values())
            and not self.local_names
            and not self.label_names
            and not any(f.ids for f in self.ctx.fields.values())
        ):
            return None
        return name_section(
            self.name,
            {space: names.ids for space, names in spaces.items()},
            self.local_names,
            self.label_names,
            {i: {n: name for name, n in f.ids.items()} for i, f in self.ctx.fields.items()},
            self.annotated,
        )

    def _hints_by_offset(self, module: m.Module) -> dict[int, tuple[tuple[int, int], ...]]:
        """The hinted instructions named by their byte offsets in the
        encoded function bodies (the encoder's, the one encoding)."""
        imported = sum(i.kind is t.ExternKind.FUNC for i in module.imports)
        out = {}
        for index, hinted in self.hinted.items():
            offsets = instruction_offsets(module.funcs[index - imported])
            out[index] = tuple((offsets[k], hinted[k]) for k in sorted(hinted))
        return out

    # -- pass 1: identifiers --------------------------------------------------

    def _scan(self) -> list[_Field]:
        cur = self.cur
        fields: list[_Field] = []
        defined: str | None = None
        while cur.peek().kind == LP:
            start = cur.i
            kind_tok = cur.peek(1)
            kind = kind_tok.value
            if kind_tok.kind != KW or kind not in FIELDS:
                raise cur.unexpected(start + 1)
            cur.i += 2
            if kind == "type":
                self._bind_type(cur)
            elif kind == "rec":
                while cur.at_form("type"):
                    sub_start = cur.i
                    cur.i += 2
                    self._bind_type(cur)
                    cur.i = sub_start
                    cur.skip_form()
            elif kind in _DEFINITIONS:
                self._bind(kind)
                while cur.form() == "export":
                    cur.skip_form()
                if cur.form() == "import":
                    if defined:
                        raise cur.error(f"import after {defined}", cur.i + 1)
                else:
                    defined = defined or _DEFINITIONS[kind]
            elif kind == "import":
                if defined:
                    raise cur.error(f"import after {defined}", start + 1)
                cur.string()
                cur.string()
                if cur.peek().kind == LP and cur.peek(1).value in _DEFINITIONS:
                    what = cur.peek(1).value
                    cur.i += 2
                    self._bind(what)  # type: ignore[arg-type]
            elif kind in ("elem", "data") and self.ctx.features.bulk_memory:
                # (Wasm 1.0 segments have no names: an id there is the
                # table's or memory's.)
                self._bind(kind)
            elif kind == "start" and any(f.kind == "start" for f in fields):
                raise cur.error("multiple start sections", start + 1)
            cur.i = start
            cur.skip_form()
            fields.append(_Field(kind, start, cur.i))
            if kind in ("table", "memory"):
                self._scan_inline_segment(kind, start)
        return fields

    def _bind(self, space: str) -> int:
        """A definition's index (and $id, if any), and where its @name goes."""
        cur = self.cur
        index = self.ctx.space(space).bind(cur.opt_id(), cur, cur.i)
        if self.name_annotations:
            self.name_spots[cur.i] = (space, index)
        return index

    def _scan_inline_segment(self, kind: str, start: int) -> None:
        """``(table ... (elem ...))`` and ``(memory (data ...))`` define a
        segment: bind its (anonymous) index."""
        cur = self.cur
        end = cur.i
        cur.i = start + 2
        cur.opt_id()
        while cur.at_form("export"):
            cur.skip_form()
        segment = "elem" if kind == "table" else "data"
        while cur.i < end - 1 and not cur.at_form(segment, "import"):
            if cur.peek().kind == LP:
                cur.skip_form()  # a reference type: (ref null $t)
            else:
                cur.i += 1
        if cur.at_form(segment):
            self.ctx.space(segment).bind(None, cur)
        cur.i = end

    def _bind_type(self, cur: Cursor) -> None:
        index = self._bind("type")
        # Field names of struct types (for struct.get $t $f).
        save = cur.i
        if cur.at_form("sub"):
            cur.i += 2
            if cur.at_kw("final"):
                cur.i += 1
            while cur.at_index():
                cur.i += 1
        if cur.at_form("struct"):
            cur.i += 2
            names = Names("field")
            while cur.at_form("field"):
                cur.i += 2
                tok = cur.peek()
                if tok.kind == ID:
                    cur.i += 1
                    names.bind(tok.value, cur, cur.i - 1)  # type: ignore[arg-type]
                    cur.skip_to_close()
                else:
                    names.count += _count_items(cur)
            self.ctx.fields[index] = names
        cur.i = save

    # -- types --------------------------------------------------------------

    def _type_field(self, kind: str) -> None:
        cur = self.cur
        ctx = self.ctx
        cur.lp()
        cur.kw(kind)
        if kind == "rec":
            subs = []
            while cur.at_form("type"):
                cur.i += 2
                cur.opt_id()
                subs.append(self._subtype())
                cur.rp()
            cur.rp()
        else:
            cur.opt_id()
            subs = [self._subtype()]
            cur.rp()
        ctx.add_group(tuple(subs))

    def _subtype(self) -> t.SubType:
        cur = self.cur
        if cur.at_form("sub"):
            cur.i += 2
            final = cur.at_kw("final")
            if final:
                cur.i += 1
            supers = []
            while cur.at_index():
                supers.append(self.ctx.space("type").resolve(cur))
            comp = self._comptype()
            cur.rp()
            return t.SubType(comp, tuple(supers), final)
        return t.SubType(self._comptype())

    def _comptype(self) -> t.CompType:
        cur = self.cur
        if cur.at_form("descriptor") or cur.at_form("describes"):
            raise UnsupportedFeature("descriptor and describes clauses")
        tr = self.ctx.tr
        cur.lp()
        word = cur.kw()
        if word == "func":
            params, results, _ = self.ctx.func_signature(True, definition=True)
            comp: t.CompType = t.FuncType(tuple(params), tuple(results))
        elif word == "struct":
            fields = []
            while cur.at_form("field"):
                cur.i += 2
                if cur.opt_id() is not None:
                    fields.append(tr.fieldtype())
                else:
                    while not cur.at_rp():
                        fields.append(tr.fieldtype())
                cur.rp()
            comp = t.StructType(tuple(fields))
        elif word == "array":
            comp = t.ArrayType(tr.fieldtype())
        else:
            raise cur.unexpected(cur.i - 1)
        cur.rp()
        return comp

    # -- imports and definitions --------------------------------------------

    def _inline_exports(self, kind: str, index: int) -> None:
        cur = self.cur
        while cur.form() == "export":
            cur.i += 2
            self.exports.append(m.Export(cur.name(), _EXTERN[kind], index))
            cur.rp()

    def _inline_import(self) -> tuple[str, str] | None:
        cur = self.cur
        if cur.form() != "import":
            return None
        cur.i += 2
        names = (cur.name(), cur.name())
        cur.rp()
        return names

    def _import(self) -> None:
        cur = self.cur
        module, name = cur.name(), cur.name()
        cur.lp()
        kind = cur.kw()
        if kind not in _DEFINITIONS:
            raise cur.unexpected(cur.i - 1)
        cur.opt_id()
        self.imports.append(m.Import(module, name, self._import_desc(kind)))
        cur.rp()

    def _func_import(self) -> m.FuncImport:
        """A type use, or ``(exact typeuse)`` (custom descriptors)."""
        cur = self.cur
        if not cur.at_form("exact"):
            return m.FuncImport(self.ctx.typeuse()[0])
        cur.open("exact")
        type_index = self.ctx.typeuse()[0]
        cur.rp()
        return m.FuncImport(type_index, exact=True)

    def _import_desc(self, kind: str) -> m.ImportDesc:
        tr = self.ctx.tr
        if kind == "func":
            return self._func_import()
        if kind == "tag":
            return t.TagType(self.ctx.typeuse()[0])
        if kind == "global":
            return tr.globaltype()
        if kind == "memory":
            return self._memtype()
        addr = tr.addrtype()
        lim = tr.limits(addr)
        return t.TableType(lim, tr.reftype())

    def _memtype(self) -> t.MemType:
        tr = self.ctx.tr
        lim = tr.limits(tr.addrtype())
        return t.MemType(lim, self._pagesize())

    def _pagesize(self) -> int | None:
        """``(pagesize n)`` (custom page sizes) as its exponent: a power of
        two or malformed; which powers are valid is the validator's call."""
        cur = self.cur
        if not cur.at_form("pagesize"):
            return None
        at = cur.i + 1
        if not self.ctx.features.custom_page_sizes:
            raise cur.unexpected(at)
        cur.i += 2
        size = cur.nat(64)
        cur.rp()
        if size & (size - 1) or not size:
            raise cur.error("invalid custom page size", at)
        return size.bit_length() - 1

    def _next_index(self, defined: list, kind: t.ExternKind) -> int:
        """The index the next definition of ``kind`` takes (imports first)."""
        if not self.imports:
            return len(defined)
        return len(defined) + sum(i.kind is kind for i in self.imports)

    def _func(self) -> None:
        cur = self.cur
        ctx = self.ctx
        index = self._next_index(self.funcs, t.ExternKind.FUNC)
        cur.opt_id()
        if cur.form() in _INLINE:
            self._inline_exports("func", index)
            imported = self._inline_import()
            if imported:
                self.imports.append(m.Import(*imported, self._func_import()))
                return
        type_index, ids = ctx.typeuse()
        locals_ = Names("local")
        # Where a parameter's or local's @name may stand -> its index.
        spots: dict[int, int] | None = {} if self.deep_names else None
        for name, at in ids:
            local = locals_.bind(name, cur, at)
            if spots is not None:
                spots.setdefault(at + 1 if name is not None else at, local)
        local_types: list[t.ValType] = []
        while cur.form() == "local":
            cur.i += 2
            tok = cur.peek()
            if tok.kind == ID:
                cur.i += 1
                local = locals_.bind(tok.value, cur, cur.i - 1)  # type: ignore[arg-type]
                if spots is not None:
                    spots[cur.i] = local
                local_types.append(ctx.tr.valtype())
            else:
                if spots is not None:
                    spots[cur.i] = locals_.count
                while not cur.at_rp():
                    locals_.bind(None, cur)
                    local_types.append(ctx.tr.valtype())
            cur.rp()
        body = FuncBody(ctx, locals_, self.hints)
        code = body.expr()
        if body.hinted:
            self.hinted[index] = body.hinted
        local_names = {i: name for name, i in locals_.ids.items()}
        for at, local in (spots or {}).items():
            if at in self.deep_names:
                local_names[local] = self.deep_names[at]
        if local_names:
            self.local_names[index] = local_names
        if body.label_names:
            self.label_names[index] = body.label_names
        if not self.uses_data_count and not _USES_DATA_COUNT.isdisjoint(map(_OPCODE, code)):
            self.uses_data_count = True
        self.funcs.append(m.Func(type_index, tuple(local_types), code))

    def _const_expr(self) -> tuple[Instr, ...]:
        return FuncBody(self.ctx).expr()

    def _table(self) -> None:
        cur = self.cur
        tr = self.ctx.tr
        index = self._next_index(self.tables, t.ExternKind.TABLE)
        cur.opt_id()
        self._inline_exports("table", index)
        imported = self._inline_import()
        addr = tr.addrtype()
        if imported:
            lim = tr.limits(addr)
            self.imports.append(m.Import(*imported, t.TableType(lim, tr.reftype())))
            return
        if not cur.at_nat():  # reftype (elem ...): the table fits its elements
            elem_type = tr.reftype()
            cur.open("elem")
            # Function indices into a funcref table are ``func x*`` (as
            # wasm-tools reads them); into a typed table, ref.func items.
            seg_type = elem_type
            if self._wasm1_segments() and not (cur.at_index() or cur.at_rp()):
                raise cur.unexpected()
            if elem_type == t.FUNCREF and cur.at_index():
                seg_type = self._func_list_type()
            init = self._elem_list_items(elem_type)
            cur.rp()
            n = len(init)
            lim = t.Limits(n, n, addr)
            self.tables.append(m.Table(t.TableType(lim, elem_type)))
            const = Op.I64_CONST if addr is t.AddrType.I64 else Op.I32_CONST
            offset = (instr(const, 0), END)
            self.elems.append(m.Elem(seg_type, init, m.Active(index, offset)))
            return
        lim = tr.limits(addr)
        elem_type = tr.reftype()
        init = None if cur.at_rp() else self._const_expr()
        self.tables.append(m.Table(t.TableType(lim, elem_type), init))

    def _memory(self) -> None:
        cur = self.cur
        tr = self.ctx.tr
        index = self._next_index(self.mems, t.ExternKind.MEMORY)
        cur.opt_id()
        self._inline_exports("memory", index)
        imported = self._inline_import()
        if imported:
            self.imports.append(m.Import(*imported, self._memtype()))
            return
        addr = tr.addrtype()
        log2 = self._pagesize()
        if cur.at_form("data"):
            cur.i += 2
            data = self._strings()
            cur.rp()
            mtype = t.MemType(t.Limits(0, None, addr), log2)
            pages = -(-len(data) // mtype.page_size)
            self.mems.append(m.Memory(replace(mtype, limits=t.Limits(pages, pages, addr))))
            const = Op.I64_CONST if addr is t.AddrType.I64 else Op.I32_CONST
            self.datas.append(m.Data(data, m.Active(index, (instr(const, 0), END))))
            return
        lim = tr.limits(addr)
        self.mems.append(m.Memory(t.MemType(lim, self._pagesize())))

    def _global(self) -> None:
        cur = self.cur
        index = self._next_index(self.globals, t.ExternKind.GLOBAL)
        cur.opt_id()
        self._inline_exports("global", index)
        imported = self._inline_import()
        gt = self.ctx.tr.globaltype()
        if imported:
            self.imports.append(m.Import(*imported, gt))
            return
        self.globals.append(m.Global(gt, self._const_expr()))

    def _tag(self) -> None:
        cur = self.cur
        index = self._next_index(self.tags, t.ExternKind.TAG)
        cur.opt_id()
        self._inline_exports("tag", index)
        imported = self._inline_import()
        tt = t.TagType(self.ctx.typeuse()[0])
        if imported:
            self.imports.append(m.Import(*imported, tt))
            return
        self.tags.append(m.Tag(tt))

    def _export(self) -> None:
        cur = self.cur
        name = cur.name()
        cur.lp()
        kind = cur.kw()
        if kind not in _EXTERN:
            raise cur.unexpected(cur.i - 1)
        self.exports.append(m.Export(name, _EXTERN[kind], self.ctx.space(kind).resolve(cur)))
        cur.rp()

    def _start(self) -> None:
        self.start = self.ctx.space("func").resolve(self.cur)

    # -- segments -----------------------------------------------------------

    def _offset(self) -> tuple[Instr, ...]:
        cur = self.cur
        if cur.at_form("offset"):
            cur.i += 2
            expr = self._const_expr()
            cur.rp()
            return expr
        body = FuncBody(self.ctx)
        body.folded()
        body.out.append(END)
        return tuple(body.out)

    def _elem(self) -> None:
        cur = self.cur
        if self.ctx.features.bulk_memory:
            cur.opt_id()
        mode: m.SegmentMode = m.PASSIVE
        if cur.at_kw("declare"):
            cur.i += 1
            mode = m.DECLARATIVE
        elif (cur.peek().kind == LP and not cur.at_form("ref")) or cur.at_index():
            table = 0
            if cur.at_form("table"):
                cur.i += 2
                table = self.ctx.space("table").resolve(cur)
                cur.rp()
            elif cur.at_index():
                table = self.ctx.space("table").resolve(cur)
            mode = m.Active(table, self._offset())
            if cur.at_index() or cur.at_rp():  # Wasm 1.0: function indices
                self.elems.append(m.Elem(self._func_list_type(), self._func_indices(), mode))
                return
        if self._wasm1_segments() and not isinstance(mode, m.Active):
            raise cur.unexpected()
        if cur.at_kw("func"):
            cur.i += 1
            self.elems.append(m.Elem(self._func_list_type(), self._func_indices(), mode))
            return
        if self._wasm1_segments():
            raise cur.unexpected()
        elem_type = self.ctx.tr.reftype()
        self.elems.append(m.Elem(elem_type, self._elem_list_items(elem_type), mode))

    def _func_list_type(self) -> t.RefType:
        """The type ``func x*`` gives a segment: ``(ref func)`` since typed
        references (spec 3.0 6.6.12), ``funcref`` before."""
        return FUNC_INDEX_TYPE if self.ctx.features.function_references else t.FUNCREF

    def _func_indices(self) -> tuple[tuple[Instr, ...], ...]:
        cur = self.cur
        out = []
        while cur.at_index():
            out.append((instr(Op.REF_FUNC, self.ctx.space("func").resolve(cur)), END))
        return tuple(out)

    def _elem_list_items(self, elem_type: t.RefType) -> tuple[tuple[Instr, ...], ...]:
        """Element expressions: ``(item instr*)`` or one folded instruction;
        plain function indices where the list abbreviates them."""
        cur = self.cur
        if cur.at_index():
            return self._func_indices()
        out = []
        while cur.peek().kind == LP:
            if cur.at_form("item"):
                cur.i += 2
                out.append(self._const_expr())
                cur.rp()
            else:
                body = FuncBody(self.ctx)
                body.folded()
                body.out.append(END)
                out.append(tuple(body.out))
        return tuple(out)

    def _data(self) -> None:
        cur = self.cur
        if self.ctx.features.bulk_memory:
            cur.opt_id()
        mode: m.Passive | m.Active = m.PASSIVE
        if cur.peek().kind == LP or cur.at_index():
            mem = 0
            if cur.at_form("memory"):
                cur.i += 2
                mem = self.ctx.space("memory").resolve(cur)
                cur.rp()
            elif cur.at_index():
                mem = self.ctx.space("memory").resolve(cur)
            mode = m.Active(mem, self._offset())
        elif self._wasm1_segments():
            raise cur.unexpected()
        self.datas.append(m.Data(self._strings(), mode))

    def _wasm1_segments(self) -> bool:
        """Whether segments are Wasm 1.0's: active only, elements function
        indices (no bulk memory nor reference types, as the encoder says)."""
        f = self.ctx.features
        return not (f.bulk_memory or f.reference_types)

    def _strings(self) -> bytes:
        cur = self.cur
        out = bytearray()
        while cur.peek().kind == STR:
            out += cur.string()
        return bytes(out)

    # -- custom sections (the @custom annotation) ---------------------------


def _depth_in(toks: list, start: int, at: int) -> int:
    """How many forms token ``at`` is inside, counted from the ``(`` at ``start``."""
    depth = 0
    for tok in toks[start:at]:
        depth += tok[0] == LP
        depth -= tok[0] == RP
    return depth


def _count_items(cur: Cursor) -> int:
    """The number of items (words or forms) up to the ``)`` closing the
    form the cursor is in; leaves the cursor past that paren."""
    n = 0
    while not cur.at_rp():
        if cur.peek().kind == LP:
            cur.skip_form()
        else:
            cur.next()
        n += 1
    cur.i += 1
    return n
