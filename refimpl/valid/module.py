"""Validating modules (spec 3.4).

The order of the checks follows the spec interpreter's ``check_module``, so
that a module with several problems reports the same one: imports (last to
first), function types, types, globals, tables, memories, element and data
segments, function bodies, start, exports, and finally the Wasm 1.0/2.0
limits on the number of tables and memories.

Global, element and data initialisers see only imported globals (spec
3.4.12: C'); function bodies see them all.  ``ref.func`` in a body may only
name functions referenced outside of function bodies (C.refs).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from ..errors import InvalidModule
from ..features import Features
from ..gcpause import paused_collection
from ..syntax.module import Active, Expr, Func, FuncImport, Module
from ..syntax.opcodes import BY_NAME
from ..syntax.types import ExternKind, GlobalType, MemType, TableType, TagType
from .constants import check_const
from .context import Context, lookup
from .instructions import addr_type, check_func_body
from .match import match_val
from .types import check_mem_type, check_table_type, check_type_section, check_val_type

REF_FUNC = BY_NAME["ref.func"].code


def declared_funcs(module: Module) -> frozenset[int]:
    """C.refs (spec 3.4.10): functions referenced by ``ref.func`` in any
    initialiser or offset, or exported."""
    exprs: list[Expr] = [g.init for g in module.globals]
    exprs += [t.init for t in module.tables if t.init is not None]
    for e in module.elems:
        exprs += e.init
        if isinstance(e.mode, Active):
            exprs.append(e.mode.offset)
    exprs += [d.mode.offset for d in module.datas if isinstance(d.mode, Active)]
    refs = {imm for expr in exprs for op, imm in expr if op == REF_FUNC}
    refs.update(e.index for e in module.exports if e.kind is ExternKind.FUNC)
    return frozenset(refs)


def _init_context(module: Module, f: Features) -> Context:
    """C' with the types and imports checked: everything but the module's
    own globals (spec 3.4.12)."""
    c = Context(f, refs=declared_funcs(module))
    check_type_section(module, c)
    for imp in reversed(module.imports):
        desc = imp.desc
        if isinstance(desc, FuncImport):
            c.func_type_at(desc.type_index)
        elif isinstance(desc, TagType):
            _check_tag_type(desc, c)
        elif isinstance(desc, TableType):
            check_table_type(desc, c)
        elif isinstance(desc, MemType):
            check_mem_type(desc, f)
        elif isinstance(desc, GlobalType):
            check_val_type(desc.type, c)
            if desc.mutable and not f.mutable_globals:
                raise InvalidModule("mutable globals cannot be imported")
    for imp in module.imports:
        desc = imp.desc
        if isinstance(desc, FuncImport):
            if not desc.exact:
                c.inexact_funcs.add(len(c.funcs))
            c.funcs.append(c.func_type_at(desc.type_index))
        elif isinstance(desc, TableType):
            c.tables.append(desc)
        elif isinstance(desc, MemType):
            c.mems.append(desc)
        elif isinstance(desc, GlobalType):
            c.globals.append(desc)
        elif isinstance(desc, TagType):
            c.tags.append(desc)
    c.funcs += [c.func_type_at(func.type_index) for func in module.funcs]
    c.func_type_indices = module.func_type_indices()
    c.tags += [t.type for t in module.tags]
    c.tables += [t.type for t in module.tables]
    c.mems += [m.type for m in module.mems]
    c.elems = [e.type for e in module.elems]
    c.datas = len(module.datas)
    return c


def _check_tag_type(tt: TagType, c: Context) -> None:
    """Spec 3.0, 3.2.13: a tag's type is a function type without results."""
    if c.func_type_at(tt.type_index).results:
        raise InvalidModule("non-empty tag result type")


def module_context(module: Module, features: Features) -> Context:
    """The context function bodies are validated in (spec 3.4.12: C).
    Raises InvalidModule only for an unknown type index."""
    c = _init_context(module, features)
    c.globals += [g.type for g in module.globals]
    return c


def validate_function(c: Context, func: Func) -> None:
    """Validate one function body in a context from ``module_context``:
    nothing is computed or recorded beyond the verdict."""
    check_func_body(c, c.func_type_at(func.type_index), func.locals, func.body)


def validate_module(module: Module, features: Features) -> None:
    """Raise InvalidModule, with the spec interpreter's message, unless the
    module is valid (spec 3.4.12).  The cyclic collector is paused
    meanwhile (``gcpause``)."""
    with paused_collection():
        _validate_module(module, features)


def _validate_module(module: Module, features: Features) -> None:
    f = features
    c = _init_context(module, f)
    imported_globals = list(c.globals)
    for g in module.globals:
        check_val_type(g.type.type, c)
        check_const(c, g.init, g.type.type)
        if f.gc:  # Wasm 3.0: later initialisers may read earlier globals
            c.globals.append(g.type)
    for t in module.tables:
        check_table_type(t.type, c)
        if t.init is not None:  # the table section precedes the globals
            check_const(replace(c, globals=imported_globals), t.init, t.type.elem)
        elif not t.type.elem.nullable:  # the initialiser defaults to ref.null
            raise InvalidModule(f"type mismatch: a table of {t.type.elem} needs an initialiser")
    for m in module.mems:
        check_mem_type(m.type, f)
    for tag in module.tags:
        _check_tag_type(tag.type, c)
    for e in module.elems:
        check_val_type(e.type, c)
        for expr in e.init:
            check_const(c, expr, e.type)
        if isinstance(e.mode, Active):
            tt = c.table(e.mode.index)
            if not match_val(e.type, tt.elem, c.defs):
                raise InvalidModule(f"type mismatch: element segment of {e.type} for {tt.elem}")
            check_const(c, e.mode.offset, addr_type(tt.limits.address))
    # Offsets by memory (Go modules have tens of thousands of segments).
    offset_types = [addr_type(mt.limits.address) for mt in c.mems]
    for d in module.datas:
        mode = d.mode
        if isinstance(mode, Active):
            if not 0 <= mode.index < len(offset_types):
                c.mem(mode.index)  # "unknown memory"
            check_const(c, mode.offset, offset_types[mode.index])

    if not f.gc:
        c.globals += [g.type for g in module.globals]
    for func in module.funcs:
        validate_function(c, func)
    if module.start is not None:
        ft = c.func(module.start)
        if ft.params or ft.results:
            raise InvalidModule("start function must not have parameters or results")
    _check_exports(module, c)
    if len(c.tables) > 1 and not f.reference_types:
        raise InvalidModule("multiple tables are not allowed (yet)")
    if len(c.mems) > 1 and not f.multi_memory:
        raise InvalidModule("multiple memories are not allowed (yet)")


def _check_exports(module: Module, c: Context) -> None:
    names: set[str] = set()
    spaces: dict[ExternKind, tuple[Iterable, str]] = {
        ExternKind.FUNC: (c.funcs, "function"),
        ExternKind.TABLE: (c.tables, "table"),
        ExternKind.MEMORY: (c.mems, "memory"),
        ExternKind.GLOBAL: (c.globals, "global"),
        ExternKind.TAG: (c.tags, "tag"),
    }
    for export in module.exports:
        items, what = spaces[export.kind]
        item = lookup(items, export.index, what)
        if export.name in names:
            raise InvalidModule("duplicate export name")
        names.add(export.name)
        if isinstance(item, GlobalType) and item.mutable and not c.features.mutable_globals:
            raise InvalidModule("mutable globals cannot be exported")
