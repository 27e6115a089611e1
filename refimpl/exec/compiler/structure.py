"""The block structure of a function body, and how each label maps onto
Python control flow.

Python has loops with ``break``/``continue`` but no labels or goto, so:

- a wasm ``loop`` becomes ``while True:``; a branch to it is ``continue``;
- a ``block`` (or ``if``) that is the target of a branch becomes a
  ``while True: ...; break`` whose ``break`` jumps to its end -- unless its
  last instruction is a loop and every branch to it comes from inside that
  loop: then breaking out of the loop already lands at the block's end, and
  the block needs no Python loop of its own;
- a branch that must leave several Python loops sets ``_br`` to the target's
  id and breaks; after each loop it may leave, a check passes it on or
  completes it (``dispatch``);
- a branch to the function's own label is a ``return``;
- a ``try_table`` is a block whose body is a Python ``try`` and whose
  handlers, in the ``except UncaughtException`` clause, are branches to
  labels around it (sited in the ``try_table``, inside its Python loop if
  it has one);
- a legacy ``try`` is a Python ``try`` whose ``except`` clause runs the
  matching ``catch`` body; ``rethrow`` raises what its ``catch`` caught
  (``_e<id>``); ``delegate`` marks the exception with the target label and
  the activation (``skip``), and every handler inside that label passes
  it on (``FunctionCodegen.skip_check``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ...syntax.opcodes import Instr, Op


class CannotCompile(Exception):
    """The function uses something the generator doesn't handle."""


@dataclass(eq=False)
class Node:
    """A block, loop, if, or the function body."""

    kind: str  # "func" | "block" | "loop" | "if" | "try_table" | "try"
    blocktype: object
    parent: Node | None
    id: int
    body: list = field(default_factory=list)  # Instr | Branch | Node
    orelse: list | None = None  # an if's else-branch
    branches_in: list[Branch] = field(default_factory=list)
    # How branches to this label are taken:
    construct: Node | None = None  # the Python loop they break/continue
    action: str = ""  # "break" | "continue" | "return"
    is_py_loop: bool = False
    # Labels whose pending branches may leave this Python loop, by id.
    exits: dict[int, Node] = field(default_factory=dict)
    height: int = 0  # operand height below the block's parameters (set by codegen)
    handlers: list = field(default_factory=list)  # a try_table's: (Catch, Branch)
    clauses: list = field(default_factory=list)  # a try's catches: (tag or None, body)
    delegate_to: Node | None = None  # a try that ends in ``delegate``

    def ancestors(self):
        node = self
        while node is not None:
            yield node
            node = node.parent


@dataclass(eq=False)
class Rethrow:
    """A legacy ``rethrow`` of what the ``try`` ``target`` caught."""

    target: Node


@dataclass(eq=False)
class Branch:
    """A br / br_if / br_table / return / br_on_cast(_fail), with its
    target nodes resolved."""

    instr: Instr
    targets: list[Node]  # br_table: every entry, then the default
    site: Node  # the innermost node containing it


# Blocks nested deeper are left to the interpreter: the tree's walks recurse
# once per level (100,000 levels overflowed the C stack), planning branches
# costs more than linear time in the depth (5,000 levels: 3 s, 20,000: 110 s),
# and Python compiles no code indented more than 100 levels anyway.
MAX_NESTING = 1000


def build(body: tuple[Instr, ...]) -> Node:
    """The tree of ``body`` (a function body ending with its ``end``)."""
    ids = iter(range(1 << 30))
    root = Node("func", None, None, next(ids))
    stack = [root]
    current = root.body
    for ins in body:
        op = ins[0]
        node = stack[-1]
        if op in (Op.BLOCK, Op.LOOP, Op.IF, Op.TRY, Op.TRY_TABLE) and len(stack) > MAX_NESTING:
            raise CannotCompile(f"blocks nested deeper than {MAX_NESTING}")
        if op in (Op.BLOCK, Op.LOOP, Op.IF, Op.TRY):
            kind = {Op.BLOCK: "block", Op.LOOP: "loop", Op.IF: "if", Op.TRY: "try"}[op]
            child = Node(kind, ins[1], node, next(ids))
            current.append(child)
            stack.append(child)
            current = child.body
        elif op == Op.TRY_TABLE:
            bt, catches = ins[1]
            child = Node("try_table", bt, node, next(ids))
            # Handler labels are counted around the try_table.
            child.handlers = [(c, _branch(ins, [stack[-1 - c.label]], child)) for c in catches]
            current.append(child)
            stack.append(child)
            current = child.body
        elif op == Op.ELSE:
            node.orelse = []
            current = node.orelse
        elif op in (Op.CATCH, Op.CATCH_ALL):
            node.clauses.append((ins[1] if op == Op.CATCH else None, []))
            current = node.clauses[-1][1]
        elif op == Op.RETHROW:
            current.append(Rethrow(stack[-1 - ins[1]]))
        elif op in (Op.END, Op.DELEGATE):
            if op == Op.DELEGATE:  # its label counts in the context around the try
                node.delegate_to = stack[-2 - ins[1]]
            stack.pop()
            if not stack:
                break
            parent = stack[-1]
            current = _open_list(parent)
        elif op in (Op.BR, Op.BR_IF, Op.BR_ON_NULL, Op.BR_ON_NON_NULL):
            current.append(_branch(ins, [stack[-1 - ins[1]]], node))
        elif op == Op.BR_TABLE:
            depths, default = ins[1]
            targets = [stack[-1 - d] for d in (*depths, default)]
            current.append(_branch(ins, targets, node))
        elif op == Op.RETURN:
            current.append(_branch(ins, [root], node))
        elif op in (Op.BR_ON_CAST, Op.BR_ON_CAST_FAIL):
            depth = ins[1][0]  # (depth, source type, target type)
            current.append(_branch(ins, [stack[-1 - depth]], node))
        else:
            current.append(ins)
    _plan(root)
    return root


def _open_list(node: Node) -> list:
    if node.clauses:
        return node.clauses[-1][1]
    return node.orelse if node.orelse is not None else node.body


def _branch(ins: Instr, targets: list[Node], site: Node) -> Branch:
    b = Branch(ins, targets, site)
    for t in targets:
        t.branches_in.append(b)
    return b


def _plan(root: Node) -> None:
    """Decide each label's Python construct (see the module docstring)."""
    root.action = "return"
    for node in _walk(root):
        if node.kind == "loop":
            node.is_py_loop = True
            node.construct, node.action = node, "continue"
        elif node.kind in ("block", "if", "try_table", "try") and node.branches_in:
            tail = node.body[-1] if node.kind == "block" and node.body else None
            if (
                isinstance(tail, Node)
                and tail.kind == "loop"
                and all(tail in b.site.ancestors() for b in node.branches_in)
            ):
                node.construct, node.action = tail, "break"
            else:
                node.is_py_loop = True
                node.construct, node.action = node, "break"
    # Which Python loops each branch leaves before reaching its target's.
    for node in _walk(root):
        for b in node.branches_in:
            if node.action == "return":
                continue
            for crossed in crossed_loops(b.site, node):
                crossed.exits[node.id] = node


def crossed_loops(site: Node, target: Node) -> list[Node]:
    """The Python loops a branch from ``site`` to ``target`` must leave,
    innermost first, before it can take the target's action."""
    out = []
    for node in site.ancestors():
        if node is target.construct:
            return out
        if node.is_py_loop:
            out.append(node)
    raise AssertionError("branch target is not an enclosing construct")


def _walk(node: Node):
    yield node
    items = node.body + (node.orelse or [])
    for _, clause in node.clauses:
        items += clause
    for item in items:
        if isinstance(item, Node):
            yield from _walk(item)
