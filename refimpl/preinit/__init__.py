"""Snapshot pre-initialization (Wizer semantics) on refimpl.

Instantiate a module with trapping stand-ins for its imported functions,
run its start function and an init function, and write the resulting state
out as a new module that starts already initialized (``api``).  Unlike
Wizer, tables are snapshotted too (as element segments), and the data and
element index spaces are preserved, so bulk-memory instructions behave after
the snapshot as in the original instance.

Modules: ``run`` (instantiation and the init call, refusals), ``snapshot``
(state as constants), ``regions`` (which bytes to write), ``emit`` (the new
module).  The tooling that checks snapshots (the differential check, module
generators, campaigns, the comparison with Wizer) is the harness's:
``harness.preinit``; refimpl depends on nothing of it.
"""

from .api import (
    DEFAULT_INIT_FUNC,
    Preinitialized,
    parse_renames,
    preinitialize,
    preinitialize_module,
)
from .errors import REASONS, Refused

__all__ = [
    "DEFAULT_INIT_FUNC",
    "REASONS",
    "Preinitialized",
    "Refused",
    "parse_renames",
    "preinitialize",
    "preinitialize_module",
]
