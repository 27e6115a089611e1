"""refimpl: a reference WebAssembly runtime in pure Python.

Decode -> validate -> instantiate -> execute, laid out like the spec:
``syntax`` (chapter 2), ``valid`` (3), ``exec`` and ``runtime`` (4),
``binary`` (5), ``host`` (the spectest module).  Feature profiles
(``Features.profile("mvp" | "2.0" | "3.0")``) select the spec generation.
"""

from .api import instantiate, invoke, load
from .errors import (
    Exhaustion,
    InvalidModule,
    LinkError,
    MalformedModule,
    RefimplError,
    Trap,
    UnsupportedFeature,
    WasmError,
)
from .features import Features
from .runtime.store import Store

__all__ = [
    "Exhaustion",
    "Features",
    "InvalidModule",
    "LinkError",
    "MalformedModule",
    "RefimplError",
    "Store",
    "Trap",
    "UnsupportedFeature",
    "WasmError",
    "instantiate",
    "invoke",
    "load",
]
