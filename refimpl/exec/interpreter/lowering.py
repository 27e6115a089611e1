"""Lowering a function body into the interpreter's code array.

The binary's structured control (block/loop/if ... end) becomes jumps with
targets resolved ahead of time: every branch knows the code position it goes
to, the operand stack height to cut back to, and how many values it carries.
Operand heights are static in valid code (spec 3.3, the validation
algorithm), so one pass tracking the height suffices.  Code after an
unconditional branch can never run and is not emitted.

A lowered instruction is a tuple ``(handler, immediates...)``; each
instruction family (``instructions/``) contributes the lowering of its own
opcodes through ``LOWERINGS``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ...errors import UnsupportedFeature
from ...syntax.module import Module
from ...syntax.opcodes import OPS, Instr, Op
from ...syntax.types import FuncType
from ..calls import frame_weight


@dataclass(slots=True, eq=False)
class Region:
    """Code guarded by handlers: a ``try_table``'s body, or a legacy
    ``try``'s body (``kind`` "try", or "delegate" when it ends in
    ``delegate``).  An exception raised by an instruction in
    ``[start, end)`` goes to the innermost such region, and from a region
    that does not catch it to ``outer`` (a delegating one: ``delegate_to``).
    ``catches``: for ``try_table``, ``(Catch, branch spec)``; for ``try``,
    ``(tag index or None, code position)``, entered with the operand stack
    cut to ``height``."""

    kind: str
    start: int
    outer: Region | None
    height: int = 0
    end: int = -1
    catches: list = field(default_factory=list)
    delegate_to: Region | None = None
    index: int = -1  # in ``Lowered.regions``; a legacy try's caught exception's slot


@dataclass(slots=True)
class Label:
    kind: str  # "block" | "loop" | "if" | "func" | "try"
    height: int  # operand height below the block's parameters
    params: int
    results: int
    start: int  # a loop's first instruction
    fixups: list = field(default_factory=list)  # branches to the end, to patch
    if_instr: list | None = None  # an if's jump, patched at else/end
    # Handler regions: the one active around the block, and the one
    # directly inside it (its own, in a try's body).
    outer_region: Region | None = None
    region: Region | None = None
    handlers: Region | None = None  # a legacy try's, through its catches

    @property
    def arity(self) -> int:
        """Values a branch to this label carries (spec 3.3.5)."""
        return self.params if self.kind == "loop" else self.results


@dataclass(slots=True)
class Lowered:
    code: list[tuple]
    n_locals: int  # parameters plus declared locals
    n_params: int
    n_results: int
    local_defaults: tuple
    regions: tuple[Region, ...] = ()  # innermost first (see ``Region``)
    weight: int = field(init=False)  # units of the call-depth budget (``exec.calls``)

    def __post_init__(self) -> None:
        self.weight = frame_weight(self.n_locals)


class Lowering:
    """State of one function's lowering; instruction families call back into
    ``emit``, ``branch``, ``push``/``pop`` and ``mark_dead``."""

    def __init__(self, module: Module, ftype: FuncType):
        self.module = module
        self.code: list = []
        self.height = 0
        self.labels: list[Label] = [Label("func", 0, 0, len(ftype.results), 0)]
        self.dead_nesting = -1  # -1: live; >= 0: dead, inside that many dead blocks
        self.region: Region | None = None  # the innermost active handler region
        self.regions: list[Region] = []  # closed regions, innermost first
        indices = module.derived.get("func_type_indices")
        if indices is None:
            indices = module.derived["func_type_indices"] = module.func_type_indices()
        self.func_type_indices: list[int] = indices

    # -- used by instruction families ---------------------------------------------

    def emit(self, *ins) -> list:
        entry = list(ins)
        self.code.append(entry)
        return entry

    def pop(self, n: int = 1) -> None:
        self.height -= n

    def push(self, n: int = 1) -> None:
        self.height += n

    def mark_dead(self) -> None:
        """After an unconditional transfer the rest of the block is dead."""
        self.dead_nesting = 0

    def push_label(self, label: Label) -> None:
        label.outer_region = label.region = self.region
        self.labels.append(label)

    def open_region(self, label: Label, region: Region) -> None:
        """``label``'s body is guarded by ``region`` (try_table, try)."""
        label.region = self.region = region

    def close_region(self, label: Label) -> Region:
        """The end of ``label``'s guarded body: later code is guarded by
        what guards the block."""
        region = label.region
        assert region is not None
        region.end = len(self.code)
        region.index = len(self.regions)
        self.regions.append(region)
        label.region = self.region = label.outer_region
        return region

    def tag_arity(self, x: int) -> int:
        """How many values an exception of tag ``x`` carries."""
        tag = self.module.tag_types()[x]
        return len(self.module.func_type(tag.type_index).params)

    def branch_target(self, depth: int) -> list:
        """[target, height, arity] for a branch to the label ``depth`` out;
        the target of a forward branch is patched when its label ends."""
        label = self.labels[-1 - depth]
        spec = [label.start, label.height, label.arity]
        if label.kind != "loop":
            label.fixups.append(spec)
        return spec

    # -- structure -------------------------------------------------------------------

    def lower(self, body: tuple[Instr, ...]) -> list[tuple]:
        lowerings = LOWERINGS
        for ins in body:
            op = ins[0]
            if self.dead_nesting >= 0:
                self._skip_dead(ins)
                continue
            handler = lowerings.get(op)
            if handler is None:
                raise UnsupportedFeature(f"the interpreter has no {OPS[op].name}")
            handler(self, ins)
        return [tuple(entry) for entry in self.code]

    def _skip_dead(self, ins: Instr) -> None:
        op = ins[0]
        if op in _OPENERS:
            self.dead_nesting += 1
        elif op == Op.DELEGATE:  # a legacy try's end
            if self.dead_nesting:
                self.dead_nesting -= 1
            else:
                self.dead_nesting = -1
                LOWERINGS[op](self, ins)
        elif op in (Op.CATCH, Op.CATCH_ALL) and self.dead_nesting == 0:
            self.dead_nesting = -1
            LOWERINGS[op](self, ins)
        elif op == Op.END:
            if self.dead_nesting:
                self.dead_nesting -= 1
            else:
                self.dead_nesting = -1
                end_block(self, ins)
        elif op == Op.ELSE and self.dead_nesting == 0:
            self.dead_nesting = -1
            else_(self, ins, then_live=False)


# -- control structure lowering (spec 4.4.8) -------------------------------------------


_OPENERS = frozenset((Op.BLOCK, Op.LOOP, Op.IF, Op.TRY_TABLE, Op.TRY))


def block(lw: Lowering, ins: Instr) -> None:
    params, results = lw.module.block_arity(ins[1])
    lw.push_label(Label("block", lw.height - params, params, results, 0))


def loop(lw: Lowering, ins: Instr) -> None:
    params, results = lw.module.block_arity(ins[1])
    lw.push_label(Label("loop", lw.height - params, params, results, len(lw.code)))


def if_(lw: Lowering, ins: Instr) -> None:
    from .instructions.control import if_false_jump

    lw.pop()  # the condition
    params, results = lw.module.block_arity(ins[1])
    label = Label("if", lw.height - params, params, results, 0)
    label.if_instr = lw.emit(if_false_jump, None)
    lw.push_label(label)


def else_(lw: Lowering, ins: Instr, then_live: bool = True) -> None:
    from .instructions.control import jump

    label = lw.labels[-1]
    if then_live:  # the then-branch falls through here: jump over the else-branch
        label.fixups.append(_JumpFixup(lw.emit(jump, None)))
    label.if_instr[1] = len(lw.code)
    label.if_instr = None
    lw.height = label.height + label.params


def end_block(lw: Lowering, ins: Instr) -> None:
    label = lw.labels.pop()
    if label.region is not label.outer_region:  # a try_table's or try's body
        lw.close_region(label)
    lw.region = label.outer_region
    end = len(lw.code)
    if label.if_instr is not None:  # an if without else
        label.if_instr[1] = end
    for spec in label.fixups:
        if isinstance(spec, _JumpFixup):
            spec.entry[1] = end
        else:
            spec[0] = end
    lw.height = label.height + label.results
    if label.kind == "func":
        lw.labels.append(label)  # `return` still branches to it


class _JumpFixup:
    """A plain jump (the end of an if's then-branch) to patch at the end."""

    __slots__ = ("entry",)

    def __init__(self, entry: list):
        self.entry = entry


LOWERINGS: dict[int, Callable[[Lowering, Instr], None]] = {
    Op.BLOCK: block,
    Op.LOOP: loop,
    Op.IF: if_,
    Op.ELSE: else_,
    Op.END: end_block,
}
