"""The store's configuration: the feature profile, resource limits, and the
executor that runs code.  Instances themselves are plain Python objects
(see ``instances``): an address is the object, and the spec's store lists
(funcs, tables, mems, globals, tags, elems, datas) are the objects alive;
each module instance holds its index spaces, ``ModuleInst.tags`` among
them.  The store decides how instances are made and run."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..features import WASM_2_0, Features

DEFAULT_CALL_DEPTH = 10_000


@dataclass
class Store:
    features: Features = WASM_2_0
    # Wasm frames a call may nest before "call stack exhausted".
    max_call_depth: int = DEFAULT_CALL_DEPTH
    # "interpreter" (the plain reference) or "compiled" (the fast path).
    executor_name: str = "interpreter"
    _executor: object = field(default=None, repr=False)

    @property
    def executor(self):
        if self._executor is None:
            from ..exec import make_executor

            self._executor = make_executor(self.executor_name, self)
        return self._executor

    def invoke(self, func, args: list) -> list:
        """Invoke a function instance (spec 4.5.5) with Python values."""
        return self.executor.invoke(func, args)
