"""What generated code calls: checks with the spec's trap messages, and the
shared operations on instances, in the argument order codegen emits
(immediates first, then operands in stack order)."""

from __future__ import annotations

import struct

from ...errors import UncaughtException  # noqa: F401
from ...runtime.values import StructRef  # noqa: F401
from .. import bulk

# Atomic instructions (threads), shared with the interpreter.
from ..atomics import cmpxchg as atomic_cmpxchg  # noqa: F401
from ..atomics import load as atomic_load  # noqa: F401
from ..atomics import notify as atomic_notify  # noqa: F401
from ..atomics import rmw as atomic_rmw  # noqa: F401
from ..atomics import store as atomic_store  # noqa: F401
from ..atomics import wait as atomic_wait  # noqa: F401

# Bulk operations whose arguments codegen already emits in bulk's order.
from ..bulk import data_drop, elem_drop, memory_copy, memory_fill, table_copy, table_fill  # noqa: F401

# The calling convention (see ``calls``).
from ..calls import DepthCell, TailCall, exhausted, non_null  # noqa: F401

# Exception handling (see ``exceptions``).
from ..exceptions import throw, throw_ref  # noqa: F401

# GC instructions (Wasm 3.0), shared with the interpreter and constant expressions.
from ..gc import (  # noqa: F401
    ARRAY_OOB,
    NULL_ARRAY,
    NULL_STRUCT,
    any_convert_extern,
    array_copy,
    array_fill,
    array_get,
    array_get_s,
    array_init_data,
    array_init_elem,
    array_len,
    array_new,
    array_new_data,
    array_new_default,
    array_new_elem,
    array_new_fixed,
    array_set,
    extend_s,
    extern_convert_any,
    i31_get_s,
    i31_get_u,
    ref_cast,
    ref_eq,
    ref_i31,
    ref_test,
    struct_new,
    struct_new_default,
)

# Table instructions, shared with the interpreter.
from ..tables import table_get, table_grow, table_set, table_size  # noqa: F401

MEMORY_OOB = bulk.MEMORY_OOB
# What a memory access out of bounds raises in Python: struct for
# unpack_from/pack_into, IndexError for byte indexing, OverflowError for an
# address beyond what Python can index.
MEMORY_ERRORS = (struct.error, IndexError, OverflowError)

U16 = struct.Struct("<H").unpack_from
S16 = struct.Struct("<h").unpack_from
U32 = struct.Struct("<I").unpack_from
S32 = struct.Struct("<i").unpack_from
U64 = struct.Struct("<Q").unpack_from
UF64 = struct.Struct("<d").unpack_from
P16 = struct.Struct("<H").pack_into
P32 = struct.Struct("<I").pack_into
P64 = struct.Struct("<Q").pack_into
PF64 = struct.Struct("<d").pack_into


# The init instructions' immediates name the segment first, then the target.
def table_init(elem, table, d, s, n) -> None:
    bulk.table_init(table, elem, d, s, n)


def memory_init(data, mem, d, s, n) -> None:
    bulk.memory_init(mem, data, d, s, n)
