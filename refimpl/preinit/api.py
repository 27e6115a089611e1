"""``preinitialize``: a module in, the same module already initialized out.

    from refimpl.preinit import preinitialize, Refused
    try:
        out = preinitialize(wasm, init_func="wizer.initialize")
    except Refused as exc:
        print(exc.reason, exc.message)

Steps: decode and validate (``features``, Wasm 2.0 by default); refuse
imported memories, tables, globals; instantiate with trapping stand-ins for
imported functions (the start function runs); call the init function;
capture the state (``snapshot``); write the new module (``emit``); encode
it, and check that it decodes and validates again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..binary import decode_module
from ..binary.encode import encode_module
from ..errors import UnsupportedFeature, WasmError
from ..features import WASM_2_0, Features
from ..runtime.store import DEFAULT_CALL_DEPTH
from ..syntax.module import Active, Module
from ..valid import validate_module
from . import regions
from .emit import emit
from .errors import BAD_RENAME, INVALID_INPUT, UNSUPPORTED, Refused
from .run import initialize
from .snapshot import take_snapshot

DEFAULT_INIT_FUNC = "wizer.initialize"

Renames = Mapping[str, str] | Iterable[tuple[str, str] | str]


@dataclass(frozen=True)
class Preinitialized:
    binary: bytes
    module: Module
    data_segments: int  # active data segments the snapshot writes
    elem_segments: int  # active element segments the snapshot writes
    memory_bytes: int  # bytes those data segments hold


def parse_renames(renames: Renames) -> list[tuple[str, str]]:
    """``{"dst": "src"}``, ``[("dst", "src")]`` or ``["dst=src"]`` as pairs."""
    if isinstance(renames, Mapping):
        return list(renames.items())
    out = []
    for r in renames:
        if isinstance(r, str):
            dst, sep, src = r.partition("=")
            if not sep or not dst or not src:
                raise Refused(BAD_RENAME, f"a rename is DST=SRC, not {r!r}")
            out.append((dst, src))
        else:
            dst, src = r
            out.append((dst, src))
    return out


def resolve_features(features: Features | str | None) -> Features:
    if features is None:
        return WASM_2_0
    return Features.parse(features) if isinstance(features, str) else features


def load_input(binary: bytes, features: Features) -> Module:
    try:
        module = decode_module(binary, features)
        validate_module(module, features)
    except UnsupportedFeature as exc:
        raise Refused(UNSUPPORTED, f"refimpl does not support {exc.message}") from None
    except WasmError as exc:
        raise Refused(INVALID_INPUT, f"the input is not a valid module: {exc}") from None
    return module


def preinitialize_module(
    module: Module,
    features: Features | str | None = None,
    init_func: str | None = DEFAULT_INIT_FUNC,
    renames: Renames = (),
    keep_init: bool = False,
    *,
    min_gap: int = regions.MIN_GAP,
    max_segments: int = regions.MAX_SEGMENTS,
    near_gap: int = regions.NEAR_GAP,
    executor: str = "compiled",
    max_call_depth: int = DEFAULT_CALL_DEPTH,
) -> Preinitialized:
    """Pre-initialize a decoded, valid module (see ``preinitialize``)."""
    f = resolve_features(features)
    pairs = parse_renames(renames)
    done = initialize(module, f, init_func, executor=executor, max_call_depth=max_call_depth)
    snap = take_snapshot(module, done.inst)
    out = emit(
        module,
        snap,
        f,
        init_func=init_func,
        keep_init=keep_init,
        renames=pairs,
        min_gap=min_gap,
        max_segments=max_segments,
        near_gap=near_gap,
    )
    binary = encode_module(out, f)
    try:
        again = decode_module(binary, f)
        validate_module(again, f)
    except WasmError as exc:  # pragma: no cover - a bug here, not in the input
        raise RuntimeError(f"the snapshot does not validate: {exc}") from exc
    # The originals kept are all passive or declarative now: every active
    # segment is the snapshot's own.
    new_datas = [d for d in again.datas if isinstance(d.mode, Active)]
    new_elems = [e for e in again.elems if isinstance(e.mode, Active)]
    return Preinitialized(
        binary,
        again,
        len(new_datas),
        len(new_elems),
        sum(len(d.init) for d in new_datas),
    )


def preinitialize(
    binary: bytes,
    init_func: str | None = DEFAULT_INIT_FUNC,
    renames: Renames = (),
    keep_init: bool = False,
    features: Features | str | None = None,
    **options,
) -> bytes:
    """Instantiate ``binary``, run its start function and ``init_func`` (an
    exported function without parameters; None: only the start function),
    and return a module that starts in the resulting state.

    ``renames``: ``dst=src`` pairs renaming function exports (Wizer's
    ``--rename-func``); ``keep_init``: keep exporting the init function.
    Options: ``min_gap``/``max_segments``/``near_gap`` (data segment merging),
    ``executor``, ``max_call_depth``.  Raises ``Refused`` with the reason
    where a faithful snapshot is impossible."""
    f = resolve_features(features)
    module = load_input(binary, f)
    return preinitialize_module(module, f, init_func, renames, keep_init, **options).binary
