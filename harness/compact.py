"""Faster pickling for the harness's slotted dataclasses.

Scripts are cached pickled, and every pytest-xdist worker loads every script
at collection.  The default pickling of a ``slots=True`` dataclass looks its
fields up again for every object it restores; pickling as (class, field
values) instead makes loading a script several times faster.
"""

from __future__ import annotations

from dataclasses import fields

_NAMES: dict[type, tuple[str, ...]] = {}


class Compact:
    __slots__ = ()

    def __reduce__(self):
        cls = type(self)
        names = _NAMES.get(cls)
        if names is None:
            names = _NAMES[cls] = tuple(f.name for f in fields(cls))
        return (cls, tuple(getattr(self, n) for n in names))
