"""xdist scheduling for spec scripts: one script's commands on one worker.

A script's items share its state (its runner), so they must run in order on
one worker.  xdist's ``loadscope`` groups that way, but its bookkeeping is
quadratic in the number of items (a list search per item sent, a recount of
every pending item per item completed), and a spec suite has tens of
thousands.  So this is a scheduler of its own, written against xdist's
public ``Scheduling`` protocol (returned from the public
``pytest_xdist_make_scheduler`` hook) and the worker controller's public
methods, keeping counts and indexes incrementally.

Work units: a script (the node id up to its last ``::``, when the last part
is a command, ``line_N``); any other test goes with its module, as in
``loadfile``.

Order: units go out in collection order, unless earlier runs measured them
(``durations``: seconds per unit, kept in the conversion cache's folder by
the plugin): then units never measured go first (they may be long), then
the rest longest first, so that a run does not end on one worker finishing
a long script while the other idles.  (A script's cost is not its item
count: skip-stack-guard-page's 11 commands outlast i32's 400.)
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

from xdist.workermanage import WorkerController, parse_tx_spec_config

# A node is given new units while fewer than this many of its items are left.
_LOW_WATER = 3


def work_unit_of(nodeid: str) -> str:
    """The unit of work ``nodeid`` belongs to: its script, else its module."""
    head, _, last = nodeid.rpartition("::")
    if last.startswith("line_"):
        return head
    return nodeid.split("::", 1)[0]


class ScriptScheduling:
    """Implements ``xdist.scheduler.protocol.Scheduling``."""

    def __init__(self, config, log=None, durations: dict[str, float] | None = None):
        self.numnodes = len(parse_tx_spec_config(config))
        self.log = log
        self.known = durations or {}  # unit -> seconds, measured by earlier runs
        self.measured: dict[str, list] = {}  # unit -> [seconds, items], this run
        self.unit_of: list[str] = []  # item index -> its unit
        self.collection: list[str] | None = None
        self.registered: dict[WorkerController, list[str]] = {}
        self.queue: OrderedDict[str, list[int]] = OrderedDict()  # unit -> item indexes
        # Per node: the indexes sent and not yet completed.
        self.pending: dict[WorkerController, set[int]] = {}

    # -- the protocol's properties ---------------------------------------------

    @property
    def nodes(self) -> list[WorkerController]:
        return list(self.pending)

    @property
    def collection_is_completed(self) -> bool:
        return len(self.registered) >= self.numnodes

    @property
    def tests_finished(self) -> bool:
        if not self.collection_is_completed or self.queue:
            return False
        return all(len(p) < 2 for p in self.pending.values())

    @property
    def has_pending(self) -> bool:
        return bool(self.queue) or any(self.pending.values())

    # -- nodes --------------------------------------------------------------------

    def add_node(self, node: WorkerController) -> None:
        self.pending[node] = set()

    def add_node_collection(self, node: WorkerController, collection: Sequence[str]) -> None:
        if self.collection is not None and list(collection) != self.collection:
            return  # a late node that collected something else gets no work
        self.registered[node] = list(collection)

    def remove_node(self, node: WorkerController) -> str | None:
        """A node is gone (finished, or crashed): its unfinished items go
        back to the queue, grouped by unit again; the first of them is the
        one it crashed on."""
        # (Its collection stays registered: collection_is_completed counts
        # the nodes that have collected, finished ones included.)
        left = sorted(self.pending.pop(node, ()))
        if not left or self.collection is None:
            return None
        units: OrderedDict[str, list[int]] = OrderedDict()
        for index in left:
            units.setdefault(work_unit_of(self.collection[index]), []).append(index)
        for unit, indexes in reversed(units.items()):
            self.queue[unit] = indexes
            self.queue.move_to_end(unit, last=False)
        for other in self.nodes:
            self._refill(other)
        return self.collection[left[0]]

    # -- items ----------------------------------------------------------------------

    def schedule(self) -> None:
        if self.collection is not None:  # a node was added later: give it work
            for node in self.nodes:
                self._refill(node)
            return
        collections = list(self.registered.values())
        if not collections or any(c != collections[0] for c in collections[1:]):
            if self.log is not None:
                self.log("**Different tests collected, aborting run**")
            return
        self.collection = collections[0]
        self.unit_of = [work_unit_of(nodeid) for nodeid in self.collection]
        for index, unit in enumerate(self.unit_of):
            self.queue.setdefault(unit, []).append(index)
        if self.known:  # unmeasured first, then longest first (a stable sort)
            units = sorted(self.queue.items(), key=lambda u: -self.known.get(u[0], math.inf))
            self.queue = OrderedDict(units)
        for node in list(self.nodes)[len(self.queue) :]:  # more workers than work
            self.pending.pop(node)
            node.shutdown()
        for node in self.nodes:
            self._refill(node)
        if not self.queue:  # all handed out: every node stops when done
            for node in self.nodes:
                node.shutdown()

    def mark_test_complete(
        self, node: WorkerController, item_index: int, duration: float = 0
    ) -> None:
        self.pending[node].discard(item_index)
        if self.unit_of:
            entry = self.measured.setdefault(self.unit_of[item_index], [0.0, 0])
            entry[0] += duration
            entry[1] += 1
        self._refill(node)

    def mark_test_pending(self, item: str) -> None:
        raise NotImplementedError

    def remove_pending_tests_from_node(
        self, node: WorkerController, indices: Sequence[int]
    ) -> None:
        raise NotImplementedError

    def _refill(self, node: WorkerController) -> None:
        """Send the node units until it has a few items to go (a worker runs
        an item only once it knows the next one, or that none follows); shut
        it down when no work is left."""
        if node.shutting_down:
            return
        pending = self.pending[node]
        while self.queue and len(pending) < _LOW_WATER:
            _, indexes = self.queue.popitem(last=False)
            pending.update(indexes)
            node.send_runtest_some(indexes)
        if not self.queue:
            node.shutdown()


# -- the units' durations, from one run to the next ------------------------------


def _entries(path: Path) -> dict:
    """The file's ``unit -> [seconds, items]`` entries ({} if none or unreadable)."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def read_durations(path: Path) -> dict[str, float]:
    """Seconds per unit measured by earlier runs ({} if none or unreadable)."""
    try:
        return {unit: float(entry[0]) for unit, entry in _entries(path).items()}
    except (ValueError, TypeError, KeyError, IndexError):
        return {}


def write_durations(path: Path, measured: dict[str, list]) -> None:
    """Add this run's units to the file.  A unit keeps its earlier entry when
    this run ran fewer of its items (a ``-k`` selection measures part of it)."""
    data = _entries(path)
    for unit, (seconds, items) in measured.items():
        old = data.get(unit)
        if not (isinstance(old, list) and len(old) == 2 and old[1] > items):
            data[unit] = [round(seconds, 3), items]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "w") as f:
            json.dump(data, f, sort_keys=True)
        os.replace(tmp, path)  # readers never see half a file
    except OSError:
        pass  # only a hint for the next run's order
