"""xdist scheduling for spec scripts: one script's commands on one worker.

Built on xdist's LoadScopeScheduling, whose bookkeeping is quadratic in the
number of items (it recounts every pending item after each completed one and
looks node ids up by list search); a spec suite has tens of thousands of
items, so this keeps counts and indexes incrementally instead.
"""

from __future__ import annotations

from xdist.scheduler import LoadScopeScheduling


class ScriptScheduling(LoadScopeScheduling):
    def __init__(self, config, log=None):
        super().__init__(config, log)
        self._pending: dict = {}  # node -> number of its items not yet completed
        self._index: dict = {}  # node -> {nodeid: index in its collection}

    def _split_scope(self, nodeid: str) -> str:
        head, _, last = nodeid.rpartition("::")
        if last.startswith("line_"):
            return head  # a script: all its commands together
        return nodeid.split("::", 1)[0]  # other tests: by module, like loadfile

    @property
    def tests_finished(self) -> bool:
        if not self.collection_is_completed or self.workqueue:
            return False
        return all(n < 2 for n in self._pending.values())

    @property
    def has_pending(self) -> bool:
        return bool(self.workqueue) or any(self._pending.values())

    def add_node(self, node) -> None:
        super().add_node(node)
        self._pending[node] = 0

    def remove_node(self, node):
        self._pending.pop(node, None)
        self._index.pop(node, None)
        return super().remove_node(node)

    def _pending_of(self, workload) -> int:
        # Still used by the base class's remove_node; a rare path.
        return sum(1 for unit in workload.values() for done in unit.values() if not done)

    def _assign_work_unit(self, node) -> None:
        scope, work_unit = self.workqueue.popitem(last=False)
        self.assigned_work.setdefault(node, {})[scope] = work_unit
        index = self._index.get(node)
        if index is None:
            collection = self.registered_collections[node]
            index = self._index[node] = {nodeid: i for i, nodeid in enumerate(collection)}
        todo = [index[nodeid] for nodeid, done in work_unit.items() if not done]
        self._pending[node] = self._pending.get(node, 0) + len(todo)
        node.send_runtest_some(todo)

    def mark_test_complete(self, node, item_index: int, duration: float = 0) -> None:
        nodeid = self.registered_collections[node][item_index]
        self.assigned_work[node][self._split_scope(nodeid)][nodeid] = True
        self._pending[node] -= 1
        self._reschedule(node)

    def _reschedule(self, node) -> None:
        if node.shutting_down:
            return
        if not self.workqueue:
            node.shutdown()
            return
        if self._pending.get(node, 0) > 2:
            return
        self._assign_work_unit(node)
