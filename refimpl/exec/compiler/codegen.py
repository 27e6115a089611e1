"""Generate the Python source of one wasm function.

Wasm locals become Python locals ``l0, l1, ...``; the operand stack becomes
Python variables too, by static height (``s0, s1, ...``), and most stack
traffic disappears: operands stay symbolic expressions until something needs
them in a variable (a control boundary, or a write to a local they read).
Operations that can trap or have effects (loads, stores, calls, divisions)
are emitted as statements in program order, their results in fresh
temporaries ``t0, t1, ...``, so traps and effects keep the spec's order.

Control flow follows ``structure``.  Anything this generator does not
handle raises ``CannotCompile``, and the function runs in the interpreter.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ...syntax.module import Module
from ...syntax.opcodes import OPS, CatchKind, Instr, MemArg, Op
from ...syntax.types import F32, F64, FuncType, RefType
from ...valid.canonical import canonical_types
from .. import atomics, gc, numerics, simd
from ..calls import frame_weight
from ..simd import memory as vmem
from .structure import Branch, CannotCompile, Node, Rethrow, build, crossed_loops
from .templates import TEMPLATES, TRAPPING

MAX_EXPR_DEPTH = 24  # operator nesting kept in one expression


@dataclass(frozen=True, slots=True)
class Entry:
    expr: str
    reads: frozenset = frozenset()  # names of variables the expression reads
    depth: int = 0


@dataclass
class Constants:
    """Values generated code refers to by name, shared by a module's functions."""

    names: dict = field(default_factory=dict)  # key -> name
    values: dict = field(default_factory=dict)  # name -> value


_NO_READS: frozenset = frozenset()
_GLOBALS = "@globals"  # pseudo-variable: what global.get expressions read

# (unpack function in the namespace or None for a byte, conversion template or None)
_LOADS = {
    Op.I32_LOAD: ("U32", None),
    Op.I64_LOAD: ("U64", None),
    Op.F32_LOAD: ("U32", "f32_from_bits({})"),
    Op.F64_LOAD: ("UF64", None),
    Op.I32_LOAD8_U: (None, None),
    Op.I32_LOAD8_S: (None, "((({} ^ 0x80) - 0x80) & 0xFFFFFFFF)"),
    Op.I32_LOAD16_U: ("U16", None),
    Op.I32_LOAD16_S: ("S16", "({} & 0xFFFFFFFF)"),
    Op.I64_LOAD8_U: (None, None),
    Op.I64_LOAD8_S: (None, "((({} ^ 0x80) - 0x80) & 0xFFFFFFFFFFFFFFFF)"),
    Op.I64_LOAD16_U: ("U16", None),
    Op.I64_LOAD16_S: ("S16", "({} & 0xFFFFFFFFFFFFFFFF)"),
    Op.I64_LOAD32_U: ("U32", None),
    Op.I64_LOAD32_S: ("S32", "({} & 0xFFFFFFFFFFFFFFFF)"),
}
_STORES = {
    Op.I32_STORE: ("P32", "{}"),
    Op.I64_STORE: ("P64", "{}"),
    Op.F32_STORE: ("P32", "f32_to_bits({})"),
    Op.F64_STORE: ("PF64", "{}"),
    Op.I32_STORE8: (None, "({} & 0xFF)"),
    Op.I32_STORE16: ("P16", "({} & 0xFFFF)"),
    Op.I64_STORE8: (None, "({} & 0xFF)"),
    Op.I64_STORE16: ("P16", "({} & 0xFFFF)"),
    Op.I64_STORE32: ("P32", "({} & 0xFFFFFFFF)"),
}


def _default(t) -> str:
    if t is F32 or t is F64:
        return "0.0"
    if isinstance(t, RefType):
        return "None"
    return "0"


class FunctionCodegen:
    """Source for one function: ``def <name>(l0, l1, ...)``."""

    def __init__(self, module: Module, func_index: int, name: str, consts: Constants):
        self.module = module
        self.func_types = module.derived.setdefault("func_type_indices", module.func_type_indices())
        defined = func_index - len(self.func_types) + len(module.funcs)
        self.func = module.funcs[defined]
        self.ftype = module.func_type(self.func.type_index)
        self.name = name
        self.consts = consts
        self.lines: list[str] = []
        self.indent = 1
        self.stack: list[Entry] = []
        self.temps = 0
        self.mems_used: set[int] = set()
        self.uses_br = False
        self.touches_memory = False
        self.delegates = any(ins[0] == Op.DELEGATE for ins in self.func.body)
        # Units of the call-depth budget an activation takes (``exec.calls``).
        self.weight = frame_weight(len(self.ftype.params) + len(self.func.locals))

    # -- output ------------------------------------------------------------------

    def emit(self, text: str) -> None:
        self.lines.append("    " * self.indent + text)

    def temp(self) -> str:
        self.temps += 1
        return f"t{self.temps}"

    def const(self, value) -> str:
        """A name bound to ``value`` in the namespace (exact floats, NaNs...)."""
        if isinstance(value, float):
            key = ("float", numerics.f64_to_bits(value))
        else:
            key = (type(value).__name__, repr(value))
        name = self.consts.names.get(key)
        if name is None:
            name = f"C{len(self.consts.names)}"
            self.consts.names[key] = name
            self.consts.values[name] = value
        return name

    # -- the symbolic stack ------------------------------------------------------

    def push(self, expr: str, reads=_NO_READS, depth: int = 0) -> None:
        if depth > MAX_EXPR_DEPTH:
            t = self.temp()
            self.emit(f"{t} = {expr}")
            expr, reads, depth = t, _NO_READS, 0
        self.stack.append(Entry(expr, reads, depth))

    def pop(self) -> Entry:
        return self.stack.pop()

    def pops(self, n: int) -> list[Entry]:
        if n == 0:
            return []
        entries = self.stack[-n:]
        del self.stack[-n:]
        return entries

    def materialize(self, upto: int | None = None) -> None:
        """Put every stack entry up to position ``upto`` in its slot variable,
        bottom-up (an entry only ever reads slots at or above its own)."""
        top = len(self.stack) - 1 if upto is None else upto
        for i in range(top + 1):
            e = self.stack[i]
            slot = f"s{i}"
            if e.expr != slot:
                self.emit(f"{slot} = {e.expr}")
                self.stack[i] = Entry(slot, frozenset((slot,)))

    def flush_readers(self, var: str) -> None:
        """Before ``var`` changes, evaluate pending expressions reading it."""
        highest = -1
        for i, e in enumerate(self.stack):
            if var in e.reads and e.expr != f"s{i}":
                highest = i
        if highest >= 0:
            self.materialize(highest)

    def operator(self, template, args: list[Entry]) -> None:
        reads = frozenset().union(*(a.reads for a in args)) if args else _NO_READS
        depth = 1 + max((a.depth for a in args), default=0)
        self.push(template(*(a.expr for a in args)), reads, depth)

    def call_expr(self, fn: str, args: list[Entry]) -> str:
        return f"{fn}({', '.join(a.expr for a in args)})"

    # -- the function ----------------------------------------------------------------

    def generate(self) -> str:
        root = build(self.func.body)
        root.height = 0
        params = [f"l{i}" for i in range(len(self.ftype.params))]
        body_start = len(self.lines)
        self.block_body(root.body, root)
        if not self.dead:
            self.do_return()
        body = self.lines[body_start:]
        head = [f"def {self.name}({', '.join(params)}):"]
        enter = f"    _d = D.n + {self.weight}"
        pre = [enter, "    if _d > LIMIT:", "        exhausted()", "    D.n = _d"]
        first_local = len(params)
        for i, t in enumerate(self.func.locals):
            pre.append(f"    l{first_local + i} = {_default(t)}")
        if self.uses_br:
            pre.append("    _br = None")
        for m in sorted(self.mems_used):
            pre.append(f"    m{m} = M{m}.data")
        if self.touches_memory:
            pre.append("    try:")
            body = ["    " + line for line in body]
            body += ["    except MEMORY_ERRORS:", "        raise Trap(MEMORY_OOB) from None"]
        return "\n".join(head + pre + body) + "\n"

    # -- structure -------------------------------------------------------------------

    def block_body(self, items: list, node: Node) -> None:
        """Emit a block's instructions; stop at the first unconditional
        transfer (what follows is dead)."""
        self.dead = False
        for item in items:
            if isinstance(item, Node):
                self.structured(item)
            elif isinstance(item, Branch):
                self.branch_instr(item)
            elif isinstance(item, Rethrow):
                self.emit(f"raise throw_ref(_e{item.target.id})")
                self.dead = True
            else:
                self.instruction(item)
            if self.dead:
                break

    def arity(self, node: Node) -> int:
        params, results = self.module.block_arity(node.blocktype)
        if node.kind == "func":
            return len(self.ftype.results)
        return params if node.kind == "loop" else results

    def structured(self, node: Node) -> None:
        params, results = self.module.block_arity(node.blocktype)
        cond = self.pop() if node.kind == "if" else None
        self.materialize()
        node.height = len(self.stack) - params
        below = self.stack[: node.height]
        entry_stack = list(self.stack)
        if node.is_py_loop:
            self.emit("while True:")
            self.indent += 1
        if node.kind == "if":
            self.emit(f"if {cond.expr}:")
            self.arm(node.body, node)
            if node.orelse is not None:
                self.emit("else:")
                self.stack = list(entry_stack)
                self.arm(node.orelse, node)
        elif node.kind == "try_table":
            self.emit("try:")
            self.arm(node.body, node)
            self.handlers(node, below)
        elif node.kind == "try":
            self.emit("try:")
            self.arm(node.body, node)
            self.legacy_handlers(node, below)
        else:
            self.block_body(node.body, node)
            self.end_of_arm()
        if node.is_py_loop:
            self.emit("break")  # falling off the end leaves the Python loop
            self.indent -= 1
        self.stack = below + [Entry(f"s{node.height + i}") for i in range(results)]
        self.dead = False
        if node.is_py_loop:
            self.dispatch_after(node)

    def handlers(self, node: Node, below: list[Entry]) -> None:
        """A try_table's handlers: the first that catches the exception
        branches with its values (``exec.exceptions.handler_values``'s
        rule, inline); none catching, it propagates.  The depth is put back
        to this frame's (``exec.calls``)."""
        caught = f"_x{node.id}"
        self.emit(f"except UncaughtException as {caught}:")
        self.indent += 1
        self.skip_check(node, caught)
        self.emit("D.n = _d")
        self.emit(f"_e = {caught}.exn")
        catches_all = False
        for c, b in node.handlers:
            values = []
            if c.tag is not None:
                n = self.tag_arity(c.tag)
                values = [f"_e.payload[{k}]" for k in range(n)]
            if c.kind in (CatchKind.CATCH_REF, CatchKind.CATCH_ALL_REF):
                values.append("_e")
            self.stack = below + [Entry(v) for v in values]
            if c.tag is None:
                self.branch_to(b, b.targets[0])
                catches_all = True
                break
            self.emit(f"if _e.tag is TAG{c.tag}:")
            self.indent += 1
            self.branch_to(b, b.targets[0])
            self.indent -= 1
        if not catches_all:
            self.emit("raise")
        self.indent -= 1

    def legacy_handlers(self, node: Node, below: list[Entry]) -> None:
        """A legacy try's catches (the first whose tag matches, or
        catch_all, runs its body with the payload; none, it propagates),
        or its delegate: the exception marked for the target label."""
        caught, exn = f"_x{node.id}", f"_e{node.id}"
        self.emit(f"except UncaughtException as {caught}:")
        self.indent += 1
        self.skip_check(node, caught)
        if node.delegate_to is not None:
            self.emit(f"{caught}.skip = (_d, {node.delegate_to.id})")
            self.emit("raise")
            self.indent -= 1
            return
        self.emit("D.n = _d")
        self.emit(f"{exn} = {caught}.exn")
        first = True
        for tag, items in node.clauses:
            if tag is None:
                self.emit("if True:" if first else "else:")
                values = []
            else:
                self.emit(f"{'if' if first else 'elif'} {exn}.tag is TAG{tag}:")
                values = [f"{exn}.payload[{k}]" for k in range(self.tag_arity(tag))]
            self.stack = below + [Entry(v) for v in values]
            self.arm(items, node)
            first = False
            if tag is None:
                break
        else:
            if first:
                self.emit("raise")
            else:
                self.emit("else:")
                self.emit("    raise")
        self.indent -= 1

    def skip_check(self, node: Node, caught: str) -> None:
        """A handler inside the label a ``delegate`` of this activation
        named passes the exception on (only in functions with delegates)."""
        if not self.delegates:
            return
        outer = self.const(frozenset(a.id for a in node.ancestors() if a is not node))
        self.emit(
            f"if {caught}.skip is not None and {caught}.skip[0] == _d"
            f" and {caught}.skip[1] in {outer}:"
        )
        self.emit("    raise")

    def tag_arity(self, x: int) -> int:
        tag = self.module.tag_types()[x]
        return len(self.module.func_type(tag.type_index).params)

    def arm(self, items: list, node: Node) -> None:
        """One suite of an if statement (never empty, as Python requires)."""
        self.indent += 1
        start = len(self.lines)
        self.block_body(items, node)
        self.end_of_arm()
        if len(self.lines) == start:
            self.emit("pass")
        self.indent -= 1

    def end_of_arm(self) -> None:
        """Falling off the end of a block's (or an if-arm's) instructions:
        the results go to their slots."""
        if not self.dead:
            self.materialize()

    def dispatch_after(self, loop: Node) -> None:
        """After a Python loop: complete or pass on a pending multi-level branch."""
        if not loop.exits:
            return
        outer = next((n for n in loop.parent.ancestors() if n.is_py_loop), None)
        handled = [t for t in loop.exits.values() if t.construct is outer]
        self.uses_br = True
        self.emit("if _br is not None:")
        self.indent += 1
        for i, target in enumerate(handled):
            self.emit(f"{'if' if i == 0 else 'elif'} _br == {target.id}:")
            self.emit("    _br = None")
            self.emit(f"    {target.action}")
        if len(handled) < len(loop.exits):  # the rest leave the outer loop too
            if handled:
                self.emit("else:")
                self.emit("    break")
            else:
                self.emit("break")
        self.indent -= 1

    # -- branches ----------------------------------------------------------------------

    def branch_instr(self, b: Branch) -> None:
        op = b.instr[0]
        if op == Op.BR_ON_CAST or op == Op.BR_ON_CAST_FAIL:
            self.br_on_cast(b)
        elif op == Op.BR or op == Op.RETURN:
            self.branch_to(b, b.targets[0])
            self.dead = True
        elif op == Op.BR_IF:
            cond = self.pop()
            self.emit(f"if {cond.expr}:")
            self.indent += 1
            self.branch_to(b, b.targets[0])
            self.indent -= 1
        elif op == Op.BR_ON_NULL:
            ref = self.temp()
            self.emit(f"{ref} = {self.pop().expr}")
            self.emit(f"if {ref} is None:")
            self.indent += 1
            self.branch_to(b, b.targets[0])
            self.indent -= 1
            self.push(ref)
        elif op == Op.BR_ON_NON_NULL:
            ref = self.temp()
            self.emit(f"{ref} = {self.pop().expr}")
            self.push(ref)
            self.emit(f"if {ref} is not None:")
            self.indent += 1
            self.branch_to(b, b.targets[0])
            self.indent -= 1
            self.pop()
        else:  # br_table
            index = self.pop()
            distinct: list[Node] = []
            for t in b.targets:
                if t not in distinct:
                    distinct.append(t)
            if len(distinct) == 1:
                self.branch_to(b, distinct[0])
            else:
                entries = b.targets[:-1]
                table = self.const(tuple(distinct.index(t) for t in entries))
                k = self.temp()
                i = self.temp()
                default = distinct.index(b.targets[-1])
                self.emit(f"{i} = {index.expr}")
                self.emit(f"{k} = {table}[{i}] if {i} < {len(entries)} else {default}")
                for n, target in enumerate(distinct):
                    if n == len(distinct) - 1:
                        self.emit("else:")
                    else:
                        self.emit(f"{'if' if n == 0 else 'elif'} {k} == {n}:")
                    self.indent += 1
                    self.branch_to(b, target)
                    self.indent -= 1
            self.dead = True

    def br_on_cast(self, b: Branch) -> None:
        """Branch with the reference if it passes (fails) the cast; the
        reference stays on the stack either way."""
        _, _, rt2 = b.instr[1]
        ref = self.temp()
        self.emit(f"{ref} = {self.pop().expr}")
        self.push(ref)
        test = f"ref_test({ref}, {self.target(rt2)}, {rt2.nullable})"
        self.emit(f"if {test if b.instr[0] == Op.BR_ON_CAST else 'not ' + test}:")
        self.indent += 1
        self.branch_to(b, b.targets[0])
        self.indent -= 1

    def branch_to(self, b: Branch, target: Node) -> None:
        """Move the carried values into the target's slots and transfer."""
        n = self.arity(target)
        values = self.stack[len(self.stack) - n :] if n else []
        if target.action == "return":
            self.emit(f"D.n = _d - {self.weight}")
            self.emit(_return_statement([v.expr for v in values]))
            return
        slots = [f"s{target.height + i}" for i in range(n)]
        pairs = [(s, v.expr) for s, v in zip(slots, values, strict=True) if s != v.expr]
        if pairs:
            lhs = ", ".join(p[0] for p in pairs)
            rhs = ", ".join(p[1] for p in pairs)
            self.emit(f"{lhs} = {rhs}")
        crossed = crossed_loops(b.site, target)
        if crossed:
            self.uses_br = True
            self.emit(f"_br = {target.id}")
            self.emit("break")
        else:
            self.emit(target.action)

    def do_return(self) -> None:
        n = len(self.ftype.results)
        values = self.stack[len(self.stack) - n :] if n else []
        self.emit(f"D.n = _d - {self.weight}")
        self.emit(_return_statement([v.expr for v in values]))

    # -- instructions ------------------------------------------------------------------

    def instruction(self, ins: Instr) -> None:
        op = ins[0]
        template = TEMPLATES.get(op)
        if template is not None:
            info = OPS[op]
            self.operator(template, self.pops(len(info.params)))
            return
        if op in numerics.NUMERIC_OPS:
            info = OPS[op]
            args = self.pops(len(info.params))
            if op in TRAPPING:
                t = self.temp()
                self.emit(f"{t} = {self.call_expr(info.ident, args)}")
                self.push(t)
            else:
                self.operator(lambda *xs, n=info.ident: f"{n}({', '.join(xs)})", args)
            return
        if op in numerics.WIDE_OPS:  # two results: unpacked into temporaries
            info = OPS[op]
            args = self.pops(len(info.params))
            lo, hi = self.temp(), self.temp()
            self.emit(f"{lo}, {hi} = {self.call_expr(info.ident, args)}")
            self.push(lo)
            self.push(hi)
            return
        if op in simd.SIMD_OPS:  # lane-wise semantics: pure calls
            info = OPS[op]
            self.operator(
                lambda *xs, n=info.ident: f"{n}({', '.join(xs)})", self.pops(len(info.params))
            )
            return
        handler = _HANDLERS.get(op)
        if handler is None:
            raise CannotCompile(f"no code generation for {OPS[op].name}")
        handler(self, ins)

    # constants and variables

    def i_const(self, ins: Instr) -> None:
        self.push(str(ins[1]))

    def f32_const(self, ins: Instr) -> None:
        self.push(self.const(numerics.f32_from_bits(ins[1])))

    def f64_const(self, ins: Instr) -> None:
        self.push(self.const(numerics.f64_from_bits(ins[1])))

    def local_get(self, ins: Instr) -> None:
        name = f"l{ins[1]}"
        self.push(name, frozenset((name,)))

    def local_set(self, ins: Instr) -> None:
        name = f"l{ins[1]}"
        value = self.pop()
        self.flush_readers(name)
        self.emit(f"{name} = {value.expr}")

    def local_tee(self, ins: Instr) -> None:
        name = f"l{ins[1]}"
        value = self.pop()
        self.flush_readers(name)
        self.emit(f"{name} = {value.expr}")
        self.push(name, frozenset((name,)))

    def global_get(self, ins: Instr) -> None:
        self.push(f"G{ins[1]}.value", frozenset((_GLOBALS,)))

    def global_set(self, ins: Instr) -> None:
        value = self.pop()
        self.flush_readers(_GLOBALS)
        self.emit(f"G{ins[1]}.value = {value.expr}")

    # parametric

    def drop(self, ins: Instr) -> None:
        self.pop()

    def select(self, ins: Instr) -> None:
        c = self.pop()
        a, b = self.pops(2)
        self.operator(lambda x, y, z: f"({x} if {z} else {y})", [a, b, c])

    def unreachable(self, ins: Instr) -> None:
        self.emit('raise Trap("unreachable")')
        self.dead = True

    def nop(self, ins: Instr) -> None:
        pass

    # calls

    def after_effects(self) -> None:
        """A call or memory.grow may change globals and replace buffers."""
        for m in sorted(self.mems_used):
            self.emit(f"m{m} = M{m}.data")

    def emit_call(self, callee: str, ftype: FuncType, args: list[Entry]) -> None:
        self.flush_readers(_GLOBALS)
        call = self.call_expr(callee, args)
        n = len(ftype.results)
        if n == 0:
            self.emit(call)
        elif n == 1:
            t = self.temp()
            self.emit(f"{t} = {call}")
        else:
            ts = [self.temp() for _ in range(n)]
            self.emit(f"{', '.join(ts)} = {call}")
        self.after_effects()
        if n == 1:
            self.push(t)
        elif n > 1:
            for t in ts:
                self.push(t)

    def call(self, ins: Instr) -> None:
        ftype = self.module.func_type(self.func_types[ins[1]])
        args = self.pops(len(ftype.params))
        self.emit_call(f"F{ins[1]}", ftype, args)

    def call_indirect(self, ins: Instr) -> None:
        type_index, table_index = ins[1]
        ftype = self.module.func_type(type_index)
        index = self.pop()
        args = self.pops(len(ftype.params))
        callee = self.temp()
        self.emit(f"{callee} = indirect(T{table_index}, {index.expr}, TY{type_index})")
        self.emit_call(callee, ftype, args)

    def call_ref(self, ins: Instr) -> None:
        ftype = self.module.func_type(ins[1])
        ref = self.pop()
        args = self.pops(len(ftype.params))
        callee = self.temp()
        self.emit(f"{callee} = ref_callable({ref.expr})")
        self.emit_call(callee, ftype, args)

    def tail_call(self, callee: str, n: int) -> None:
        """End the activation with a request to call ``callee`` (a body,
        ``exec.calls``) with the top ``n`` operands, at the caller's depth."""
        args = self.pops(n)
        self.emit(f"D.n = _d - {self.weight}")
        self.emit(f"return TailCall({callee}, ({''.join(a.expr + ', ' for a in args)}))")
        self.dead = True

    def return_call(self, ins: Instr) -> None:
        ftype = self.module.func_type(self.func_types[ins[1]])
        self.tail_call(f"B{ins[1]}", len(ftype.params))

    def return_call_indirect(self, ins: Instr) -> None:
        type_index, table_index = ins[1]
        index = self.pop()
        callee = self.temp()
        self.emit(f"{callee} = indirect_body(T{table_index}, {index.expr}, TY{type_index})")
        self.tail_call(callee, len(self.module.func_type(type_index).params))

    def return_call_ref(self, ins: Instr) -> None:
        ref = self.pop()
        callee = self.temp()
        self.emit(f"{callee} = ref_body({ref.expr})")
        self.tail_call(callee, len(self.module.func_type(ins[1]).params))

    # exceptions and references

    def throw(self, ins: Instr) -> None:
        args = self.pops(self.tag_arity(ins[1]))
        self.emit(f"raise throw(TAG{ins[1]}, ({''.join(a.expr + ', ' for a in args)}))")
        self.dead = True

    def throw_ref(self, ins: Instr) -> None:
        self.emit(f"raise throw_ref({self.pop().expr})")
        self.dead = True

    def ref_as_non_null(self, ins: Instr) -> None:
        t = self.temp()
        self.emit(f"{t} = non_null({self.pop().expr})")
        self.push(t)

    # memory

    def use_memory(self, index: int) -> str:
        self.mems_used.add(index)
        return f"m{index}"

    def address(self, arg: MemArg) -> str:
        """The effective address; out of bounds, the access itself raises."""
        base = self.pop()
        return base.expr if arg.offset == 0 else f"({base.expr} + {arg.offset})"

    def load(self, ins: Instr) -> None:
        fmt, convert = _LOADS[ins[0]]
        arg = ins[1]
        m = self.use_memory(arg.memory)
        ea = self.address(arg)
        self.touches_memory = True
        raw = f"{m}[{ea}]" if fmt is None else f"{fmt}({m}, {ea})[0]"
        t = self.temp()
        self.emit(f"{t} = {raw if convert is None else convert.format(raw)}")
        self.push(t)

    def store(self, ins: Instr) -> None:
        fmt, convert = _STORES[ins[0]]
        arg = ins[1]
        m = self.use_memory(arg.memory)
        value = self.pop()
        ea = self.address(arg)
        self.touches_memory = True
        v = convert.format(value.expr)
        if fmt is None:
            self.emit(f"{m}[{ea}] = {v}")
        else:
            self.emit(f"{fmt}({m}, {ea}, {v})")

    def memory_size(self, ins: Instr) -> None:
        m = self.use_memory(ins[1])
        shift = self.module.mem_types()[ins[1]].page_log2
        self.push(f"(len({m}) >> {shift})", frozenset((m,)))

    def memory_grow(self, ins: Instr) -> None:
        self.use_memory(ins[1])
        delta = self.pop()
        mask = "0xFFFFFFFFFFFFFFFF" if self._mem64(ins[1]) else "0xFFFFFFFF"
        t = self.temp()
        self.flush_readers(f"m{ins[1]}")
        self.emit(f"{t} = M{ins[1]}.grow({delta.expr}) & {mask}")
        self.after_effects()
        self.push(t)

    def _mem64(self, index: int) -> bool:
        return self.module.mem_types()[index].limits.address.value == "i64"

    def bulk(self, ins: Instr) -> None:
        """memory.fill/copy/init, data.drop and the table instructions: calls
        into the shared operations on instances (rare in hot loops)."""
        op = ins[0]
        name, operands, immediates, results = _BULK[op]
        args = self.pops(operands)
        imm = ins[1] if isinstance(ins[1], tuple) else (ins[1],)
        refs = [pattern.format(i) for pattern, i in zip(immediates, imm, strict=True)]
        call = f"{name}({', '.join(refs + [a.expr for a in args])})"
        if results:
            t = self.temp()
            self.emit(f"{t} = {call}")
            self.push(t)
        else:
            self.emit(call)

    # vectors (the lane semantics are in refimpl.exec.simd)

    def v128_const(self, ins: Instr) -> None:
        self.push(str(ins[1]))

    def shuffle(self, ins: Instr) -> None:
        a, b = self.pops(2)
        lanes = self.const(tuple(ins[1]))
        self.operator(lambda x, y: f"i8x16_shuffle({x}, {y}, {lanes})", [a, b])

    def lane_op(self, ins: Instr) -> None:
        info = OPS[ins[0]]
        args = self.pops(len(info.params))
        lane = ins[1]
        self.operator(
            lambda *xs, n=info.ident: f"{n}({xs[0]}, {lane}{''.join(', ' + x for x in xs[1:])})",
            args,
        )

    def checked_address(self, arg: MemArg, size: int) -> tuple[str, str]:
        """(buffer, address) of a vector access, bounds checked first: the
        vector memory functions don't check, and a store must not write
        part of its bytes before trapping."""
        m = self.use_memory(arg.memory)
        ea = self.temp()
        self.emit(f"{ea} = {self.address(arg)}")
        self.emit(f"if {ea} + {size} > len({m}):")
        self.emit("    raise Trap(MEMORY_OOB)")
        return m, ea

    def v128_load(self, ins: Instr) -> None:
        m, ea = self.checked_address(ins[1], vmem.ACCESS_SIZE[ins[0]])
        t = self.temp()
        self.emit(f"{t} = {vmem.LOADS[ins[0]].__name__}({m}, {ea})")
        self.push(t)

    def v128_store(self, ins: Instr) -> None:
        value = self.pop()
        m, ea = self.checked_address(ins[1], vmem.ACCESS_SIZE[ins[0]])
        self.emit(f"{vmem.STORES[ins[0]].__name__}({m}, {ea}, {value.expr})")

    def v128_load_lane(self, ins: Instr) -> None:
        arg, lane = ins[1]
        vector = self.pop()
        m, ea = self.checked_address(arg, vmem.ACCESS_SIZE[ins[0]])
        t = self.temp()
        self.emit(f"{t} = {vmem.LANE_LOADS[ins[0]].__name__}({m}, {ea}, {vector.expr}, {lane})")
        self.push(t)

    def v128_store_lane(self, ins: Instr) -> None:
        arg, lane = ins[1]
        vector = self.pop()
        m, ea = self.checked_address(arg, vmem.ACCESS_SIZE[ins[0]])
        self.emit(f"{vmem.LANE_STORES[ins[0]].__name__}({m}, {ea}, {vector.expr}, {lane})")

    # atomics (threads): calls of the shared operations in exec.atomics

    def atomic(self, ins: Instr) -> None:
        a = atomics.ATOMICS[ins[0]]
        if a.kind == "fence":
            return  # one agent: every access is already ordered
        operands = self.pops(len(OPS[ins[0]].params) - 1)
        arg = ins[1]
        args = [f"M{arg.memory}", self.address(arg), str(a.size)]
        if a.kind == "rmw":
            args.append(self.const(a.operation))
        call = f"atomic_{a.kind}({', '.join(args + [o.expr for o in operands])})"
        if a.kind == "store":
            self.emit(call)
        else:
            self.effect(call)

    # references

    def ref_null(self, ins: Instr) -> None:
        self.push("None")

    def ref_is_null(self, ins: Instr) -> None:
        self.operator(lambda a: f"({a} is None)", [self.pop()])

    def ref_func(self, ins: Instr) -> None:
        self.push(f"FI{ins[1]}")

    # GC (Wasm 3.0): calls into ``exec.gc``; field access inline

    def target(self, rt) -> str:
        """The name of a cast target's resolved heap type."""
        if rt.exact:
            return self.const(gc.resolve_target(rt, self.defs()))
        return self.heap(rt.heap)

    def heap(self, heap) -> str:
        """The name of a resolved heap type: the canonical type of a type
        index (``TY``), or an abstract heap type."""
        return f"TY{heap}" if isinstance(heap, int) else self.const(heap)

    def defs(self):
        return canonical_types(self.module)

    def effect(self, call: str, result: bool = True) -> None:
        """A GC operation in program order (it may trap, allocate or write)."""
        if result:
            t = self.temp()
            self.emit(f"{t} = {call}")
            self.push(t)
        else:
            self.emit(call)

    def struct_new(self, ins: Instr) -> None:
        dt = self.defs()[ins[1]]
        args = self.pops(len(dt.comp.fields))
        values = "[" + ", ".join(a.expr for a in args) + "]"
        masks = gc.struct_masks(dt)
        if masks is None:
            self.effect(f"StructRef(TY{ins[1]}, {values})")
        else:
            self.effect(f"struct_new(TY{ins[1]}, {values}, {self.const(masks)})")

    def struct_new_default(self, ins: Instr) -> None:
        self.effect(f"struct_new_default(TY{ins[1]})")

    def struct_get(self, ins: Instr) -> None:
        t, i = ins[1]
        ref = self.temp()
        self.emit(f"{ref} = {self.pop().expr}")
        self.emit(f"if {ref} is None:")
        self.emit("    raise Trap(NULL_STRUCT)")
        value = f"{ref}.fields[{i}]"
        if ins[0] == Op.STRUCT_GET_S:
            value = f"extend_s({value}, {gc.mask_of(self.defs()[t].comp.fields[i])})"
        self.effect(value)

    def struct_set(self, ins: Instr) -> None:
        t, i = ins[1]
        value = self.pop()
        ref = self.temp()
        self.emit(f"{ref} = {self.pop().expr}")
        self.emit(f"if {ref} is None:")
        self.emit("    raise Trap(NULL_STRUCT)")
        mask = gc.mask_of(self.defs()[t].comp.fields[i])
        v = value.expr if mask is None else f"({value.expr} & {mask})"
        self.emit(f"{ref}.fields[{i}] = {v}")

    def element_mask(self, t: int):
        return gc.mask_of(self.defs()[t].comp.element)

    def array_op(self, ins: Instr) -> None:
        """The array instructions: ``_ARRAY`` says the function, operand
        count, the immediates it takes and whether it has a result."""
        name, operands, immediates, result = _ARRAY[ins[0]]
        args = [a.expr for a in self.pops(operands)]
        imm = ins[1] if isinstance(ins[1], tuple) else (ins[1],)
        pre, post = [], []
        for what in immediates:
            if what == "type":
                pre.append(f"TY{imm[0]}")
            elif what == "data":
                pre.append(f"DATA{imm[1]}")
            elif what == "elem":
                pre.append(f"E{imm[1]}")
            elif what == "mask":
                post.append(str(self.element_mask(imm[0])))
        if ins[0] in (Op.ARRAY_INIT_DATA, Op.ARRAY_INIT_ELEM):  # (ref, segment, d, s, n)
            call_args = [args[0], *pre, *args[1:]]
        else:
            call_args = [*pre, *args, *post]
        self.effect(f"{name}({', '.join(call_args)})", result)

    def array_new_fixed(self, ins: Instr) -> None:
        t, n = ins[1]
        args = [a.expr for a in self.pops(n)]
        self.effect(f"array_new_fixed(TY{t}, [{', '.join(args)}], {self.element_mask(t)})")

    def pure(self, ins: Instr) -> None:
        """GC operations without effects or traps: expressions."""
        fn = OPS[ins[0]].ident
        self.operator(lambda *xs: f"{fn}({', '.join(xs)})", self.pops(_PURE[ins[0]]))

    def ref_test(self, ins: Instr) -> None:
        rt = ins[1]
        heap = self.target(rt)
        if ins[0] in (Op.REF_TEST, Op.REF_TEST_NULL):
            self.operator(lambda x: f"ref_test({x}, {heap}, {rt.nullable})", [self.pop()])
        else:
            self.effect(f"ref_cast({self.pop().expr}, {heap}, {rt.nullable})")

    def i31_get(self, ins: Instr) -> None:
        self.effect(f"{OPS[ins[0]].ident}({self.pop().expr})")


# The shared operations the bulk instructions call: name, operand count,
# how each immediate becomes an argument, and whether a result is pushed.
_BULK = {
    Op.MEMORY_FILL: ("memory_fill", 3, ("M{}",), False),
    Op.MEMORY_COPY: ("memory_copy", 3, ("M{}", "M{}"), False),
    Op.MEMORY_INIT: ("memory_init", 3, ("DATA{}", "M{}"), False),
    Op.DATA_DROP: ("data_drop", 0, ("DATA{}",), False),
    Op.TABLE_GET: ("table_get", 1, ("T{}",), True),
    Op.TABLE_SET: ("table_set", 2, ("T{}",), False),
    Op.TABLE_SIZE: ("table_size", 0, ("T{}",), True),
    Op.TABLE_GROW: ("table_grow", 2, ("T{}",), True),
    Op.TABLE_FILL: ("table_fill", 3, ("T{}",), False),
    Op.TABLE_COPY: ("table_copy", 3, ("T{}", "T{}"), False),
    Op.TABLE_INIT: ("table_init", 3, ("E{}", "T{}"), False),
    Op.ELEM_DROP: ("elem_drop", 0, ("E{}",), False),
}

# Array instructions: function, operand count, what of the immediates it
# takes first ("type", "data", "elem") or last ("mask"), and a result?
_ARRAY = {
    Op.ARRAY_NEW: ("array_new", 2, ("type", "mask"), True),
    Op.ARRAY_NEW_DEFAULT: ("array_new_default", 1, ("type",), True),
    Op.ARRAY_NEW_DATA: ("array_new_data", 2, ("type", "data"), True),
    Op.ARRAY_NEW_ELEM: ("array_new_elem", 2, ("type", "elem"), True),
    Op.ARRAY_GET: ("array_get", 2, (), True),
    Op.ARRAY_GET_U: ("array_get", 2, (), True),
    Op.ARRAY_GET_S: ("array_get_s", 2, ("mask",), True),
    Op.ARRAY_SET: ("array_set", 3, ("mask",), False),
    Op.ARRAY_LEN: ("array_len", 1, (), True),
    Op.ARRAY_FILL: ("array_fill", 4, ("mask",), False),
    Op.ARRAY_COPY: ("array_copy", 5, (), False),
    Op.ARRAY_INIT_DATA: ("array_init_data", 4, ("data",), False),
    Op.ARRAY_INIT_ELEM: ("array_init_elem", 4, ("elem",), False),
}
# Pure GC operations and their operand counts.
_PURE = {Op.REF_I31: 1, Op.REF_EQ: 2, Op.ANY_CONVERT_EXTERN: 1, Op.EXTERN_CONVERT_ANY: 1}

_G = FunctionCodegen
_HANDLERS = {
    Op.I32_CONST: _G.i_const,
    Op.I64_CONST: _G.i_const,
    Op.F32_CONST: _G.f32_const,
    Op.F64_CONST: _G.f64_const,
    Op.LOCAL_GET: _G.local_get,
    Op.LOCAL_SET: _G.local_set,
    Op.LOCAL_TEE: _G.local_tee,
    Op.GLOBAL_GET: _G.global_get,
    Op.GLOBAL_SET: _G.global_set,
    Op.DROP: _G.drop,
    Op.SELECT: _G.select,
    Op.SELECT_T: _G.select,
    Op.UNREACHABLE: _G.unreachable,
    Op.NOP: _G.nop,
    Op.CALL: _G.call,
    Op.CALL_INDIRECT: _G.call_indirect,
    Op.CALL_REF: _G.call_ref,
    Op.RETURN_CALL: _G.return_call,
    Op.RETURN_CALL_INDIRECT: _G.return_call_indirect,
    Op.RETURN_CALL_REF: _G.return_call_ref,
    Op.THROW: _G.throw,
    Op.THROW_REF: _G.throw_ref,
    Op.REF_AS_NON_NULL: _G.ref_as_non_null,
    Op.MEMORY_SIZE: _G.memory_size,
    Op.MEMORY_GROW: _G.memory_grow,
    Op.REF_NULL: _G.ref_null,
    Op.REF_IS_NULL: _G.ref_is_null,
    Op.REF_FUNC: _G.ref_func,
    Op.STRUCT_NEW: _G.struct_new,
    Op.STRUCT_NEW_DEFAULT: _G.struct_new_default,
    Op.STRUCT_GET: _G.struct_get,
    Op.STRUCT_GET_S: _G.struct_get,
    Op.STRUCT_GET_U: _G.struct_get,
    Op.STRUCT_SET: _G.struct_set,
    Op.ARRAY_NEW_FIXED: _G.array_new_fixed,
    **{op: _G.array_op for op in _ARRAY},
    **{op: _G.pure for op in _PURE},
    Op.REF_TEST: _G.ref_test,
    Op.REF_TEST_NULL: _G.ref_test,
    Op.REF_CAST: _G.ref_test,
    Op.REF_CAST_NULL: _G.ref_test,
    Op.I31_GET_S: _G.i31_get,
    Op.I31_GET_U: _G.i31_get,
    **{op: _G.load for op in _LOADS},
    **{op: _G.store for op in _STORES},
    **{op: _G.bulk for op in _BULK},
    **{op: _G.atomic for op in atomics.ATOMICS},
    Op.V128_CONST: _G.v128_const,
    Op.I8X16_SHUFFLE: _G.shuffle,
    **{op: _G.lane_op for op in simd.LANE_OPS},
    **{op: _G.v128_load for op in vmem.LOADS},
    **{op: _G.v128_store for op in vmem.STORES},
    **{op: _G.v128_load_lane for op in vmem.LANE_LOADS},
    **{op: _G.v128_store_lane for op in vmem.LANE_STORES},
}


def _return_statement(exprs: list[str]) -> str:
    if not exprs:
        return "return"
    if len(exprs) == 1:
        return f"return {exprs[0]}"
    return f"return ({', '.join(exprs)},)"
