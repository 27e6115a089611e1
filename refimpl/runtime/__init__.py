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
from .values import ArrayRef, ExternRef, HostRef, I31Ref, StructRef, default_value

__all__ = [
    "ArrayRef",
    "DataInst",
    "ElemInst",
    "ExnInst",
    "ExternRef",
    "ExternVal",
    "FuncInst",
    "GlobalInst",
    "HostFunc",
    "HostRef",
    "I31Ref",
    "MemInst",
    "ModuleInst",
    "Store",
    "StructRef",
    "TableInst",
    "TagInst",
    "default_value",
    "extern_kind",
    "extern_type",
]
