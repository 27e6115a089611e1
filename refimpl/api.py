"""The embedding API (spec 7.1, "Embedding"): the few calls an embedder needs.

store = Store(Features.profile("2.0"))
module = load(wasm_bytes, store.features)       # decode + validate
inst = instantiate(store, module, {"spectest": spectest_instance(...)})
results = invoke(store, inst.exports["f"], [1, 2])
"""

from __future__ import annotations

from collections.abc import Mapping

from .binary import decode_module
from .errors import UnsupportedFeature
from .exec.instantiate import Initializer, Resolver
from .exec.instantiate import instantiate as _instantiate
from .features import Features
from .runtime.instances import ModuleInst
from .runtime.store import Store
from .syntax.module import Import, Module
from .valid import validate_module


def load(binary: bytes, features: Features) -> Module:
    """Decode and validate; raises MalformedModule / InvalidModule, and
    UnsupportedFeature under a profile with a proposal refimpl lacks."""
    missing = features.unimplemented()
    if missing:
        raise UnsupportedFeature(f"proposal {', '.join(missing)} (not implemented)")
    module = decode_module(binary, features)
    validate_module(module, features)
    return module


def resolver(registry: Mapping[str, ModuleInst]) -> Resolver:
    """Resolve imports against instances registered under module names."""

    def resolve(imp: Import):
        inst = registry.get(imp.module)
        return None if inst is None else inst.exports.get(imp.name)

    return resolve


def instantiate(
    store: Store,
    module: Module,
    imports: Mapping[str, ModuleInst] | Resolver,
    name: str = "",
    init: Initializer | None = None,
) -> ModuleInst:
    """Instantiate; ``init`` is an optimized init mode (``refimpl.init``),
    by default the reference segment-by-segment path."""
    resolve = imports if callable(imports) else resolver(imports)
    return _instantiate(store, module, resolve, name, init)


def invoke(store: Store, func, args: list) -> list:
    return store.invoke(func, args)
