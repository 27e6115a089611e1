"""Runtime structure (spec 4.2): values, instances, the store."""

from .instances import (
    DataInst,
    ElemInst,
    ExnInst,
    ExternVal,
    FuncInst,
    GlobalInst,
    HostFunc,
    ModuleInst,
    TableInst,
    TagInst,
    extern_kind,
    extern_type,
)
from .memory import MemInst
from .store import Store
from .values import ExternRef, default_value

__all__ = [
    "DataInst",
    "ElemInst",
    "ExnInst",
    "ExternRef",
    "ExternVal",
    "FuncInst",
    "GlobalInst",
    "HostFunc",
    "MemInst",
    "ModuleInst",
    "Store",
    "TableInst",
    "TagInst",
    "default_value",
    "extern_kind",
    "extern_type",
]
