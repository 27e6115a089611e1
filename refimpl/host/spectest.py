"""The ``spectest`` module the spec's script runner provides to scripts.

Print functions do nothing observable; the globals hold 666 (666.6 for
floats); the table is 10..20 funcref and the memory 1..2 pages.  Wasm 3.0
adds a 64-bit table, threads a shared memory of 1..2 pages
(``shared_memory``).
"""

from __future__ import annotations

from ..exec.numerics import f32_round
from ..features import Features
from ..runtime.instances import GlobalInst, HostFunc, ModuleInst, TableInst
from ..runtime.memory import MemInst
from ..syntax.types import (
    F32,
    F64,
    FUNCREF,
    I32,
    I64,
    AddrType,
    FuncType,
    GlobalType,
    Limits,
    MemType,
    TableType,
)

_PRINTS = {
    "print": (),
    "print_i32": (I32,),
    "print_i64": (I64,),
    "print_f32": (F32,),
    "print_f64": (F64,),
    "print_i32_f32": (I32, F32),
    "print_f64_f64": (F64, F64),
}


def _nothing(args: list) -> list:
    return []


def spectest_instance(features: Features) -> ModuleInst:
    exports: dict = {
        name: HostFunc(FuncType(params, ()), _nothing, name) for name, params in _PRINTS.items()
    }
    exports["global_i32"] = GlobalInst(GlobalType(False, I32), 666)
    exports["global_i64"] = GlobalInst(GlobalType(False, I64), 666)
    exports["global_f32"] = GlobalInst(GlobalType(False, F32), f32_round(666.6))
    exports["global_f64"] = GlobalInst(GlobalType(False, F64), 666.6)
    exports["table"] = TableInst(TableType(Limits(10, 20), FUNCREF))
    exports["memory"] = MemInst(MemType(Limits(1, 2)))
    if features.threads:
        exports["shared_memory"] = MemInst(MemType(Limits(1, 2, shared=True)))
    if features.memory64:
        exports["table64"] = TableInst(TableType(Limits(10, 20, AddrType.I64), FUNCREF))
    return ModuleInst(exports=exports, name="spectest")
