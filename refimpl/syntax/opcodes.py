"""The instruction set as data: opcode, name, immediates and, for plain
instructions, the operand signature (spec 5.4 and the instruction index).

One table serves the decoder (which immediates follow an opcode), the
validator (the stack signature of every instruction that has a fixed one)
and the executors (names to find semantics by).  Prefixed opcodes are
numbered ``prefix << 12 | subopcode``.

Signature notation: ``a b -> c``; ``addr`` stands for the address type of
the instruction's memory or table.  A ``*`` marks instructions whose typing
needs the validator's own rule (control, variables, references, ...).

An instruction's immediates (``Instr``: ``(op, imm)``) by immediate kind:

==============  ============================================================
``-``           None
``blocktype``   None (empty), a ValType, or an int type index
``label``       int (relative depth); ``labels``: (tuple of depths, default)
``func`` ...    int index, also ``local global table mem data elem tag type``
``type_table``  (type index, table index)
``memarg``      MemArg; ``memarg_lane``: (MemArg, lane); ``atomic``: a
                MemArg whose alignment must be the natural one (threads)
``data_mem``    (data index, memory index); ``elem_table``: (elem, table)
``mem_mem``     (destination memory, source memory); ``table_table`` alike
``i32 i64``     int, the unsigned bit pattern
``f32 f64``     int, the bit pattern (executors choose their float form)
``v128``        int, the 128-bit little-endian value
``shuffle``     tuple of 16 lane indices; ``lane``: int
``heaptype``    AbsHeapType or int type index
``valtypes``    tuple of ValType
``zero``        None: a reserved zero byte in the binary (``atomic.fence``)
``try_table``   (blocktype, tuple of Catch): the handlers of ``try_table``
``reftype``     RefType: the target of ``ref.test``/``ref.cast``; the heap
                type is encoded, the opcode says whether it is nullable
``cast``        (label, RefType, RefType): ``br_on_cast(_fail)``; the
                castflags byte encodes the two nullabilities
``type_field``  (type index, field index): ``struct.get`` ...
``type_n``      (type index, operand count): ``array.new_fixed``
``type_data``   (type index, data index); ``type_elem``: (type, elem)
``type_type``   (destination type index, source type index): ``array.copy``
==============  ============================================================

Names are the spec's text names.  Two opcodes share a text name where the
text format tells them apart by an immediate: ``ref.test`` and ``ref.cast``
on a nullable target type are written ``ref.test/null`` in the table, so
their ``name`` is the text name and their ``ident`` (``ref_test_null``) is
unique; ``BY_NAME`` maps a shared text name to the non-null opcode.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from typing import NamedTuple

from ..fastinit import fast_init
from .types import F32, F64, I32, I64, V128, ValType

FC, FD, FB, FE = 0xFC, 0xFD, 0xFB, 0xFE


def prefixed(prefix: int, sub: int) -> int:
    return prefix << 12 | sub


_TABLE = """
0x00 unreachable           -          *
0x01 nop                   -          ->
0x02 block                 blocktype  *
0x03 loop                  blocktype  *
0x04 if                    blocktype  *
0x05 else                  -          *
0x06 try                   blocktype  *
0x07 catch                 tag        *
0x08 throw                 tag        *
0x09 rethrow               label      *
0x0A throw_ref             -          *
0x0B end                   -          *
0x0C br                    label      *
0x0D br_if                 label      *
0x0E br_table              labels     *
0x0F return                -          *
0x10 call                  func       *
0x11 call_indirect         type_table *
0x12 return_call           func       *
0x13 return_call_indirect  type_table *
0x14 call_ref              type       *
0x15 return_call_ref       type       *
0x18 delegate              label      *
0x19 catch_all             -          *
0x1A drop                  -          *
0x1B select                -          *
0x1C select_t              valtypes   *
0x1F try_table             try_table  *
0x20 local.get             local      *
0x21 local.set             local      *
0x22 local.tee             local      *
0x23 global.get            global     *
0x24 global.set            global     *
0x25 table.get             table      *
0x26 table.set             table      *
0x28 i32.load              memarg     addr -> i32
0x29 i64.load              memarg     addr -> i64
0x2A f32.load              memarg     addr -> f32
0x2B f64.load              memarg     addr -> f64
0x2C i32.load8_s           memarg     addr -> i32
0x2D i32.load8_u           memarg     addr -> i32
0x2E i32.load16_s          memarg     addr -> i32
0x2F i32.load16_u          memarg     addr -> i32
0x30 i64.load8_s           memarg     addr -> i64
0x31 i64.load8_u           memarg     addr -> i64
0x32 i64.load16_s          memarg     addr -> i64
0x33 i64.load16_u          memarg     addr -> i64
0x34 i64.load32_s          memarg     addr -> i64
0x35 i64.load32_u          memarg     addr -> i64
0x36 i32.store             memarg     addr i32 ->
0x37 i64.store             memarg     addr i64 ->
0x38 f32.store             memarg     addr f32 ->
0x39 f64.store             memarg     addr f64 ->
0x3A i32.store8            memarg     addr i32 ->
0x3B i32.store16           memarg     addr i32 ->
0x3C i64.store8            memarg     addr i64 ->
0x3D i64.store16           memarg     addr i64 ->
0x3E i64.store32           memarg     addr i64 ->
0x3F memory.size           mem        -> addr
0x40 memory.grow           mem        addr -> addr
0x41 i32.const             i32        -> i32
0x42 i64.const             i64        -> i64
0x43 f32.const             f32        -> f32
0x44 f64.const             f64        -> f64
0x45 i32.eqz               -          i32 -> i32
0x46 i32.eq                -          i32 i32 -> i32
0x47 i32.ne                -          i32 i32 -> i32
0x48 i32.lt_s              -          i32 i32 -> i32
0x49 i32.lt_u              -          i32 i32 -> i32
0x4A i32.gt_s              -          i32 i32 -> i32
0x4B i32.gt_u              -          i32 i32 -> i32
0x4C i32.le_s              -          i32 i32 -> i32
0x4D i32.le_u              -          i32 i32 -> i32
0x4E i32.ge_s              -          i32 i32 -> i32
0x4F i32.ge_u              -          i32 i32 -> i32
0x50 i64.eqz               -          i64 -> i32
0x51 i64.eq                -          i64 i64 -> i32
0x52 i64.ne                -          i64 i64 -> i32
0x53 i64.lt_s              -          i64 i64 -> i32
0x54 i64.lt_u              -          i64 i64 -> i32
0x55 i64.gt_s              -          i64 i64 -> i32
0x56 i64.gt_u              -          i64 i64 -> i32
0x57 i64.le_s              -          i64 i64 -> i32
0x58 i64.le_u              -          i64 i64 -> i32
0x59 i64.ge_s              -          i64 i64 -> i32
0x5A i64.ge_u              -          i64 i64 -> i32
0x5B f32.eq                -          f32 f32 -> i32
0x5C f32.ne                -          f32 f32 -> i32
0x5D f32.lt                -          f32 f32 -> i32
0x5E f32.gt                -          f32 f32 -> i32
0x5F f32.le                -          f32 f32 -> i32
0x60 f32.ge                -          f32 f32 -> i32
0x61 f64.eq                -          f64 f64 -> i32
0x62 f64.ne                -          f64 f64 -> i32
0x63 f64.lt                -          f64 f64 -> i32
0x64 f64.gt                -          f64 f64 -> i32
0x65 f64.le                -          f64 f64 -> i32
0x66 f64.ge                -          f64 f64 -> i32
0x67 i32.clz               -          i32 -> i32
0x68 i32.ctz               -          i32 -> i32
0x69 i32.popcnt            -          i32 -> i32
0x6A i32.add               -          i32 i32 -> i32
0x6B i32.sub               -          i32 i32 -> i32
0x6C i32.mul               -          i32 i32 -> i32
0x6D i32.div_s             -          i32 i32 -> i32
0x6E i32.div_u             -          i32 i32 -> i32
0x6F i32.rem_s             -          i32 i32 -> i32
0x70 i32.rem_u             -          i32 i32 -> i32
0x71 i32.and               -          i32 i32 -> i32
0x72 i32.or                -          i32 i32 -> i32
0x73 i32.xor               -          i32 i32 -> i32
0x74 i32.shl               -          i32 i32 -> i32
0x75 i32.shr_s             -          i32 i32 -> i32
0x76 i32.shr_u             -          i32 i32 -> i32
0x77 i32.rotl              -          i32 i32 -> i32
0x78 i32.rotr              -          i32 i32 -> i32
0x79 i64.clz               -          i64 -> i64
0x7A i64.ctz               -          i64 -> i64
0x7B i64.popcnt            -          i64 -> i64
0x7C i64.add               -          i64 i64 -> i64
0x7D i64.sub               -          i64 i64 -> i64
0x7E i64.mul               -          i64 i64 -> i64
0x7F i64.div_s             -          i64 i64 -> i64
0x80 i64.div_u             -          i64 i64 -> i64
0x81 i64.rem_s             -          i64 i64 -> i64
0x82 i64.rem_u             -          i64 i64 -> i64
0x83 i64.and               -          i64 i64 -> i64
0x84 i64.or                -          i64 i64 -> i64
0x85 i64.xor               -          i64 i64 -> i64
0x86 i64.shl               -          i64 i64 -> i64
0x87 i64.shr_s             -          i64 i64 -> i64
0x88 i64.shr_u             -          i64 i64 -> i64
0x89 i64.rotl              -          i64 i64 -> i64
0x8A i64.rotr              -          i64 i64 -> i64
0x8B f32.abs               -          f32 -> f32
0x8C f32.neg               -          f32 -> f32
0x8D f32.ceil              -          f32 -> f32
0x8E f32.floor             -          f32 -> f32
0x8F f32.trunc             -          f32 -> f32
0x90 f32.nearest           -          f32 -> f32
0x91 f32.sqrt              -          f32 -> f32
0x92 f32.add               -          f32 f32 -> f32
0x93 f32.sub               -          f32 f32 -> f32
0x94 f32.mul               -          f32 f32 -> f32
0x95 f32.div               -          f32 f32 -> f32
0x96 f32.min               -          f32 f32 -> f32
0x97 f32.max               -          f32 f32 -> f32
0x98 f32.copysign          -          f32 f32 -> f32
0x99 f64.abs               -          f64 -> f64
0x9A f64.neg               -          f64 -> f64
0x9B f64.ceil              -          f64 -> f64
0x9C f64.floor             -          f64 -> f64
0x9D f64.trunc             -          f64 -> f64
0x9E f64.nearest           -          f64 -> f64
0x9F f64.sqrt              -          f64 -> f64
0xA0 f64.add               -          f64 f64 -> f64
0xA1 f64.sub               -          f64 f64 -> f64
0xA2 f64.mul               -          f64 f64 -> f64
0xA3 f64.div               -          f64 f64 -> f64
0xA4 f64.min               -          f64 f64 -> f64
0xA5 f64.max               -          f64 f64 -> f64
0xA6 f64.copysign          -          f64 f64 -> f64
0xA7 i32.wrap_i64          -          i64 -> i32
0xA8 i32.trunc_f32_s       -          f32 -> i32
0xA9 i32.trunc_f32_u       -          f32 -> i32
0xAA i32.trunc_f64_s       -          f64 -> i32
0xAB i32.trunc_f64_u       -          f64 -> i32
0xAC i64.extend_i32_s      -          i32 -> i64
0xAD i64.extend_i32_u      -          i32 -> i64
0xAE i64.trunc_f32_s       -          f32 -> i64
0xAF i64.trunc_f32_u       -          f32 -> i64
0xB0 i64.trunc_f64_s       -          f64 -> i64
0xB1 i64.trunc_f64_u       -          f64 -> i64
0xB2 f32.convert_i32_s     -          i32 -> f32
0xB3 f32.convert_i32_u     -          i32 -> f32
0xB4 f32.convert_i64_s     -          i64 -> f32
0xB5 f32.convert_i64_u     -          i64 -> f32
0xB6 f32.demote_f64        -          f64 -> f32
0xB7 f64.convert_i32_s     -          i32 -> f64
0xB8 f64.convert_i32_u     -          i32 -> f64
0xB9 f64.convert_i64_s     -          i64 -> f64
0xBA f64.convert_i64_u     -          i64 -> f64
0xBB f64.promote_f32       -          f32 -> f64
0xBC i32.reinterpret_f32   -          f32 -> i32
0xBD i64.reinterpret_f64   -          f64 -> i64
0xBE f32.reinterpret_i32   -          i32 -> f32
0xBF f64.reinterpret_i64   -          i64 -> f64
0xC0 i32.extend8_s         -          i32 -> i32
0xC1 i32.extend16_s        -          i32 -> i32
0xC2 i64.extend8_s         -          i64 -> i64
0xC3 i64.extend16_s        -          i64 -> i64
0xC4 i64.extend32_s        -          i64 -> i64
0xD0 ref.null              heaptype   *
0xD1 ref.is_null           -          *
0xD2 ref.func              func       *
0xD3 ref.eq                -          *
0xD4 ref.as_non_null       -          *
0xD5 br_on_null            label      *
0xD6 br_on_non_null        label      *
FB:0x00 struct.new         type       *
FB:0x01 struct.new_default type       *
FB:0x02 struct.get         type_field *
FB:0x03 struct.get_s       type_field *
FB:0x04 struct.get_u       type_field *
FB:0x05 struct.set         type_field *
FB:0x06 array.new          type       *
FB:0x07 array.new_default  type       *
FB:0x08 array.new_fixed    type_n     *
FB:0x09 array.new_data     type_data  *
FB:0x0A array.new_elem     type_elem  *
FB:0x0B array.get          type       *
FB:0x0C array.get_s        type       *
FB:0x0D array.get_u        type       *
FB:0x0E array.set          type       *
FB:0x0F array.len          -          *
FB:0x10 array.fill         type       *
FB:0x11 array.copy         type_type  *
FB:0x12 array.init_data    type_data  *
FB:0x13 array.init_elem    type_elem  *
FB:0x14 ref.test           reftype    *
FB:0x15 ref.test/null      reftype    *
FB:0x16 ref.cast           reftype    *
FB:0x17 ref.cast/null      reftype    *
FB:0x18 br_on_cast         cast       *
FB:0x19 br_on_cast_fail    cast       *
FB:0x1A any.convert_extern -          *
FB:0x1B extern.convert_any -          *
FB:0x1C ref.i31            -          *
FB:0x1D i31.get_s          -          *
FB:0x1E i31.get_u          -          *
FC:0x00 i32.trunc_sat_f32_s  -        f32 -> i32
FC:0x01 i32.trunc_sat_f32_u  -        f32 -> i32
FC:0x02 i32.trunc_sat_f64_s  -        f64 -> i32
FC:0x03 i32.trunc_sat_f64_u  -        f64 -> i32
FC:0x04 i64.trunc_sat_f32_s  -        f32 -> i64
FC:0x05 i64.trunc_sat_f32_u  -        f32 -> i64
FC:0x06 i64.trunc_sat_f64_s  -        f64 -> i64
FC:0x07 i64.trunc_sat_f64_u  -        f64 -> i64
FC:0x08 memory.init        data_mem   *
FC:0x09 data.drop          data       ->
FC:0x0A memory.copy        mem_mem    *
FC:0x0B memory.fill        mem        addr i32 addr ->
FC:0x0C table.init         elem_table *
FC:0x0D elem.drop          elem       ->
FC:0x0E table.copy         table_table *
FC:0x0F table.grow         table      *
FC:0x10 table.size         table      -> addr
FC:0x11 table.fill         table      *
FC:0x13 i64.add128         -          i64 i64 i64 i64 -> i64 i64
FC:0x14 i64.sub128         -          i64 i64 i64 i64 -> i64 i64
FC:0x15 i64.mul_wide_s     -          i64 i64 -> i64 i64
FC:0x16 i64.mul_wide_u     -          i64 i64 -> i64 i64
FD:0x00 v128.load          memarg     addr -> v128
FD:0x01 v128.load8x8_s     memarg     addr -> v128
FD:0x02 v128.load8x8_u     memarg     addr -> v128
FD:0x03 v128.load16x4_s    memarg     addr -> v128
FD:0x04 v128.load16x4_u    memarg     addr -> v128
FD:0x05 v128.load32x2_s    memarg     addr -> v128
FD:0x06 v128.load32x2_u    memarg     addr -> v128
FD:0x07 v128.load8_splat   memarg     addr -> v128
FD:0x08 v128.load16_splat  memarg     addr -> v128
FD:0x09 v128.load32_splat  memarg     addr -> v128
FD:0x0A v128.load64_splat  memarg     addr -> v128
FD:0x0B v128.store         memarg     addr v128 ->
FD:0x0C v128.const         v128       -> v128
FD:0x0D i8x16.shuffle      shuffle    v128 v128 -> v128
FD:0x0E i8x16.swizzle      -          v128 v128 -> v128
FD:0x0F i8x16.splat        -          i32 -> v128
FD:0x10 i16x8.splat        -          i32 -> v128
FD:0x11 i32x4.splat        -          i32 -> v128
FD:0x12 i64x2.splat        -          i64 -> v128
FD:0x13 f32x4.splat        -          f32 -> v128
FD:0x14 f64x2.splat        -          f64 -> v128
FD:0x15 i8x16.extract_lane_s lane     v128 -> i32
FD:0x16 i8x16.extract_lane_u lane     v128 -> i32
FD:0x17 i8x16.replace_lane lane       v128 i32 -> v128
FD:0x18 i16x8.extract_lane_s lane     v128 -> i32
FD:0x19 i16x8.extract_lane_u lane     v128 -> i32
FD:0x1A i16x8.replace_lane lane       v128 i32 -> v128
FD:0x1B i32x4.extract_lane lane       v128 -> i32
FD:0x1C i32x4.replace_lane lane       v128 i32 -> v128
FD:0x1D i64x2.extract_lane lane       v128 -> i64
FD:0x1E i64x2.replace_lane lane       v128 i64 -> v128
FD:0x1F f32x4.extract_lane lane       v128 -> f32
FD:0x20 f32x4.replace_lane lane       v128 f32 -> v128
FD:0x21 f64x2.extract_lane lane       v128 -> f64
FD:0x22 f64x2.replace_lane lane       v128 f64 -> v128
FD:0x23 i8x16.eq           -          v128 v128 -> v128
FD:0x24 i8x16.ne           -          v128 v128 -> v128
FD:0x25 i8x16.lt_s         -          v128 v128 -> v128
FD:0x26 i8x16.lt_u         -          v128 v128 -> v128
FD:0x27 i8x16.gt_s         -          v128 v128 -> v128
FD:0x28 i8x16.gt_u         -          v128 v128 -> v128
FD:0x29 i8x16.le_s         -          v128 v128 -> v128
FD:0x2A i8x16.le_u         -          v128 v128 -> v128
FD:0x2B i8x16.ge_s         -          v128 v128 -> v128
FD:0x2C i8x16.ge_u         -          v128 v128 -> v128
FD:0x2D i16x8.eq           -          v128 v128 -> v128
FD:0x2E i16x8.ne           -          v128 v128 -> v128
FD:0x2F i16x8.lt_s         -          v128 v128 -> v128
FD:0x30 i16x8.lt_u         -          v128 v128 -> v128
FD:0x31 i16x8.gt_s         -          v128 v128 -> v128
FD:0x32 i16x8.gt_u         -          v128 v128 -> v128
FD:0x33 i16x8.le_s         -          v128 v128 -> v128
FD:0x34 i16x8.le_u         -          v128 v128 -> v128
FD:0x35 i16x8.ge_s         -          v128 v128 -> v128
FD:0x36 i16x8.ge_u         -          v128 v128 -> v128
FD:0x37 i32x4.eq           -          v128 v128 -> v128
FD:0x38 i32x4.ne           -          v128 v128 -> v128
FD:0x39 i32x4.lt_s         -          v128 v128 -> v128
FD:0x3A i32x4.lt_u         -          v128 v128 -> v128
FD:0x3B i32x4.gt_s         -          v128 v128 -> v128
FD:0x3C i32x4.gt_u         -          v128 v128 -> v128
FD:0x3D i32x4.le_s         -          v128 v128 -> v128
FD:0x3E i32x4.le_u         -          v128 v128 -> v128
FD:0x3F i32x4.ge_s         -          v128 v128 -> v128
FD:0x40 i32x4.ge_u         -          v128 v128 -> v128
FD:0x41 f32x4.eq           -          v128 v128 -> v128
FD:0x42 f32x4.ne           -          v128 v128 -> v128
FD:0x43 f32x4.lt           -          v128 v128 -> v128
FD:0x44 f32x4.gt           -          v128 v128 -> v128
FD:0x45 f32x4.le           -          v128 v128 -> v128
FD:0x46 f32x4.ge           -          v128 v128 -> v128
FD:0x47 f64x2.eq           -          v128 v128 -> v128
FD:0x48 f64x2.ne           -          v128 v128 -> v128
FD:0x49 f64x2.lt           -          v128 v128 -> v128
FD:0x4A f64x2.gt           -          v128 v128 -> v128
FD:0x4B f64x2.le           -          v128 v128 -> v128
FD:0x4C f64x2.ge           -          v128 v128 -> v128
FD:0x4D v128.not           -          v128 -> v128
FD:0x4E v128.and           -          v128 v128 -> v128
FD:0x4F v128.andnot        -          v128 v128 -> v128
FD:0x50 v128.or            -          v128 v128 -> v128
FD:0x51 v128.xor           -          v128 v128 -> v128
FD:0x52 v128.bitselect     -          v128 v128 v128 -> v128
FD:0x53 v128.any_true      -          v128 -> i32
FD:0x54 v128.load8_lane    memarg_lane addr v128 -> v128
FD:0x55 v128.load16_lane   memarg_lane addr v128 -> v128
FD:0x56 v128.load32_lane   memarg_lane addr v128 -> v128
FD:0x57 v128.load64_lane   memarg_lane addr v128 -> v128
FD:0x58 v128.store8_lane   memarg_lane addr v128 ->
FD:0x59 v128.store16_lane  memarg_lane addr v128 ->
FD:0x5A v128.store32_lane  memarg_lane addr v128 ->
FD:0x5B v128.store64_lane  memarg_lane addr v128 ->
FD:0x5C v128.load32_zero   memarg     addr -> v128
FD:0x5D v128.load64_zero   memarg     addr -> v128
FD:0x5E f32x4.demote_f64x2_zero -     v128 -> v128
FD:0x5F f64x2.promote_low_f32x4 -     v128 -> v128
FD:0x60 i8x16.abs          -          v128 -> v128
FD:0x61 i8x16.neg          -          v128 -> v128
FD:0x62 i8x16.popcnt       -          v128 -> v128
FD:0x63 i8x16.all_true     -          v128 -> i32
FD:0x64 i8x16.bitmask      -          v128 -> i32
FD:0x65 i8x16.narrow_i16x8_s -        v128 v128 -> v128
FD:0x66 i8x16.narrow_i16x8_u -        v128 v128 -> v128
FD:0x67 f32x4.ceil         -          v128 -> v128
FD:0x68 f32x4.floor        -          v128 -> v128
FD:0x69 f32x4.trunc        -          v128 -> v128
FD:0x6A f32x4.nearest      -          v128 -> v128
FD:0x6B i8x16.shl          -          v128 i32 -> v128
FD:0x6C i8x16.shr_s        -          v128 i32 -> v128
FD:0x6D i8x16.shr_u        -          v128 i32 -> v128
FD:0x6E i8x16.add          -          v128 v128 -> v128
FD:0x6F i8x16.add_sat_s    -          v128 v128 -> v128
FD:0x70 i8x16.add_sat_u    -          v128 v128 -> v128
FD:0x71 i8x16.sub          -          v128 v128 -> v128
FD:0x72 i8x16.sub_sat_s    -          v128 v128 -> v128
FD:0x73 i8x16.sub_sat_u    -          v128 v128 -> v128
FD:0x74 f64x2.ceil         -          v128 -> v128
FD:0x75 f64x2.floor        -          v128 -> v128
FD:0x76 i8x16.min_s        -          v128 v128 -> v128
FD:0x77 i8x16.min_u        -          v128 v128 -> v128
FD:0x78 i8x16.max_s        -          v128 v128 -> v128
FD:0x79 i8x16.max_u        -          v128 v128 -> v128
FD:0x7A f64x2.trunc        -          v128 -> v128
FD:0x7B i8x16.avgr_u       -          v128 v128 -> v128
FD:0x7C i16x8.extadd_pairwise_i8x16_s - v128 -> v128
FD:0x7D i16x8.extadd_pairwise_i8x16_u - v128 -> v128
FD:0x7E i32x4.extadd_pairwise_i16x8_s - v128 -> v128
FD:0x7F i32x4.extadd_pairwise_i16x8_u - v128 -> v128
FD:0x80 i16x8.abs          -          v128 -> v128
FD:0x81 i16x8.neg          -          v128 -> v128
FD:0x82 i16x8.q15mulr_sat_s -         v128 v128 -> v128
FD:0x83 i16x8.all_true     -          v128 -> i32
FD:0x84 i16x8.bitmask      -          v128 -> i32
FD:0x85 i16x8.narrow_i32x4_s -        v128 v128 -> v128
FD:0x86 i16x8.narrow_i32x4_u -        v128 v128 -> v128
FD:0x87 i16x8.extend_low_i8x16_s -    v128 -> v128
FD:0x88 i16x8.extend_high_i8x16_s -   v128 -> v128
FD:0x89 i16x8.extend_low_i8x16_u -    v128 -> v128
FD:0x8A i16x8.extend_high_i8x16_u -   v128 -> v128
FD:0x8B i16x8.shl          -          v128 i32 -> v128
FD:0x8C i16x8.shr_s        -          v128 i32 -> v128
FD:0x8D i16x8.shr_u        -          v128 i32 -> v128
FD:0x8E i16x8.add          -          v128 v128 -> v128
FD:0x8F i16x8.add_sat_s    -          v128 v128 -> v128
FD:0x90 i16x8.add_sat_u    -          v128 v128 -> v128
FD:0x91 i16x8.sub          -          v128 v128 -> v128
FD:0x92 i16x8.sub_sat_s    -          v128 v128 -> v128
FD:0x93 i16x8.sub_sat_u    -          v128 v128 -> v128
FD:0x94 f64x2.nearest      -          v128 -> v128
FD:0x95 i16x8.mul          -          v128 v128 -> v128
FD:0x96 i16x8.min_s        -          v128 v128 -> v128
FD:0x97 i16x8.min_u        -          v128 v128 -> v128
FD:0x98 i16x8.max_s        -          v128 v128 -> v128
FD:0x99 i16x8.max_u        -          v128 v128 -> v128
FD:0x9B i16x8.avgr_u       -          v128 v128 -> v128
FD:0x9C i16x8.extmul_low_i8x16_s -    v128 v128 -> v128
FD:0x9D i16x8.extmul_high_i8x16_s -   v128 v128 -> v128
FD:0x9E i16x8.extmul_low_i8x16_u -    v128 v128 -> v128
FD:0x9F i16x8.extmul_high_i8x16_u -   v128 v128 -> v128
FD:0xA0 i32x4.abs          -          v128 -> v128
FD:0xA1 i32x4.neg          -          v128 -> v128
FD:0xA3 i32x4.all_true     -          v128 -> i32
FD:0xA4 i32x4.bitmask      -          v128 -> i32
FD:0xA7 i32x4.extend_low_i16x8_s -    v128 -> v128
FD:0xA8 i32x4.extend_high_i16x8_s -   v128 -> v128
FD:0xA9 i32x4.extend_low_i16x8_u -    v128 -> v128
FD:0xAA i32x4.extend_high_i16x8_u -   v128 -> v128
FD:0xAB i32x4.shl          -          v128 i32 -> v128
FD:0xAC i32x4.shr_s        -          v128 i32 -> v128
FD:0xAD i32x4.shr_u        -          v128 i32 -> v128
FD:0xAE i32x4.add          -          v128 v128 -> v128
FD:0xB1 i32x4.sub          -          v128 v128 -> v128
FD:0xB5 i32x4.mul          -          v128 v128 -> v128
FD:0xB6 i32x4.min_s        -          v128 v128 -> v128
FD:0xB7 i32x4.min_u        -          v128 v128 -> v128
FD:0xB8 i32x4.max_s        -          v128 v128 -> v128
FD:0xB9 i32x4.max_u        -          v128 v128 -> v128
FD:0xBA i32x4.dot_i16x8_s  -          v128 v128 -> v128
FD:0xBC i32x4.extmul_low_i16x8_s -    v128 v128 -> v128
FD:0xBD i32x4.extmul_high_i16x8_s -   v128 v128 -> v128
FD:0xBE i32x4.extmul_low_i16x8_u -    v128 v128 -> v128
FD:0xBF i32x4.extmul_high_i16x8_u -   v128 v128 -> v128
FD:0xC0 i64x2.abs          -          v128 -> v128
FD:0xC1 i64x2.neg          -          v128 -> v128
FD:0xC3 i64x2.all_true     -          v128 -> i32
FD:0xC4 i64x2.bitmask      -          v128 -> i32
FD:0xC7 i64x2.extend_low_i32x4_s -    v128 -> v128
FD:0xC8 i64x2.extend_high_i32x4_s -   v128 -> v128
FD:0xC9 i64x2.extend_low_i32x4_u -    v128 -> v128
FD:0xCA i64x2.extend_high_i32x4_u -   v128 -> v128
FD:0xCB i64x2.shl          -          v128 i32 -> v128
FD:0xCC i64x2.shr_s        -          v128 i32 -> v128
FD:0xCD i64x2.shr_u        -          v128 i32 -> v128
FD:0xCE i64x2.add          -          v128 v128 -> v128
FD:0xD1 i64x2.sub          -          v128 v128 -> v128
FD:0xD5 i64x2.mul          -          v128 v128 -> v128
FD:0xD6 i64x2.eq           -          v128 v128 -> v128
FD:0xD7 i64x2.ne           -          v128 v128 -> v128
FD:0xD8 i64x2.lt_s         -          v128 v128 -> v128
FD:0xD9 i64x2.gt_s         -          v128 v128 -> v128
FD:0xDA i64x2.le_s         -          v128 v128 -> v128
FD:0xDB i64x2.ge_s         -          v128 v128 -> v128
FD:0xDC i64x2.extmul_low_i32x4_s -    v128 v128 -> v128
FD:0xDD i64x2.extmul_high_i32x4_s -   v128 v128 -> v128
FD:0xDE i64x2.extmul_low_i32x4_u -    v128 v128 -> v128
FD:0xDF i64x2.extmul_high_i32x4_u -   v128 v128 -> v128
FD:0xE0 f32x4.abs          -          v128 -> v128
FD:0xE1 f32x4.neg          -          v128 -> v128
FD:0xE3 f32x4.sqrt         -          v128 -> v128
FD:0xE4 f32x4.add          -          v128 v128 -> v128
FD:0xE5 f32x4.sub          -          v128 v128 -> v128
FD:0xE6 f32x4.mul          -          v128 v128 -> v128
FD:0xE7 f32x4.div          -          v128 v128 -> v128
FD:0xE8 f32x4.min          -          v128 v128 -> v128
FD:0xE9 f32x4.max          -          v128 v128 -> v128
FD:0xEA f32x4.pmin         -          v128 v128 -> v128
FD:0xEB f32x4.pmax         -          v128 v128 -> v128
FD:0xEC f64x2.abs          -          v128 -> v128
FD:0xED f64x2.neg          -          v128 -> v128
FD:0xEF f64x2.sqrt         -          v128 -> v128
FD:0xF0 f64x2.add          -          v128 v128 -> v128
FD:0xF1 f64x2.sub          -          v128 v128 -> v128
FD:0xF2 f64x2.mul          -          v128 v128 -> v128
FD:0xF3 f64x2.div          -          v128 v128 -> v128
FD:0xF4 f64x2.min          -          v128 v128 -> v128
FD:0xF5 f64x2.max          -          v128 v128 -> v128
FD:0xF6 f64x2.pmin         -          v128 v128 -> v128
FD:0xF7 f64x2.pmax         -          v128 v128 -> v128
FD:0xF8 i32x4.trunc_sat_f32x4_s -     v128 -> v128
FD:0xF9 i32x4.trunc_sat_f32x4_u -     v128 -> v128
FD:0xFA f32x4.convert_i32x4_s -       v128 -> v128
FD:0xFB f32x4.convert_i32x4_u -       v128 -> v128
FD:0xFC i32x4.trunc_sat_f64x2_s_zero - v128 -> v128
FD:0xFD i32x4.trunc_sat_f64x2_u_zero - v128 -> v128
FD:0xFE f64x2.convert_low_i32x4_s -   v128 -> v128
FD:0xFF f64x2.convert_low_i32x4_u -   v128 -> v128
FD:0x100 i8x16.relaxed_swizzle -      v128 v128 -> v128
FD:0x101 i32x4.relaxed_trunc_f32x4_s - v128 -> v128
FD:0x102 i32x4.relaxed_trunc_f32x4_u - v128 -> v128
FD:0x103 i32x4.relaxed_trunc_f64x2_s_zero - v128 -> v128
FD:0x104 i32x4.relaxed_trunc_f64x2_u_zero - v128 -> v128
FD:0x105 f32x4.relaxed_madd -         v128 v128 v128 -> v128
FD:0x106 f32x4.relaxed_nmadd -        v128 v128 v128 -> v128
FD:0x107 f64x2.relaxed_madd -         v128 v128 v128 -> v128
FD:0x108 f64x2.relaxed_nmadd -        v128 v128 v128 -> v128
FD:0x109 i8x16.relaxed_laneselect -   v128 v128 v128 -> v128
FD:0x10A i16x8.relaxed_laneselect -   v128 v128 v128 -> v128
FD:0x10B i32x4.relaxed_laneselect -   v128 v128 v128 -> v128
FD:0x10C i64x2.relaxed_laneselect -   v128 v128 v128 -> v128
FD:0x10D f32x4.relaxed_min -          v128 v128 -> v128
FD:0x10E f32x4.relaxed_max -          v128 v128 -> v128
FD:0x10F f64x2.relaxed_min -          v128 v128 -> v128
FD:0x110 f64x2.relaxed_max -          v128 v128 -> v128
FD:0x111 i16x8.relaxed_q15mulr_s -    v128 v128 -> v128
FD:0x112 i16x8.relaxed_dot_i8x16_i7x16_s - v128 v128 -> v128
FD:0x113 i32x4.relaxed_dot_i8x16_i7x16_add_s - v128 v128 v128 -> v128
"""


def _atomic_rows() -> str:
    """The threads proposal's 0xFE opcodes: wait/notify/fence, then loads,
    stores and the read-modify-write families, each in every width (full
    width, then the zero-extending narrow forms in opcode order)."""
    rows = [
        "FE:0x00 memory.atomic.notify atomic addr i32 -> i32",
        "FE:0x01 memory.atomic.wait32 atomic addr i32 i64 -> i32",
        "FE:0x02 memory.atomic.wait64 atomic addr i64 i64 -> i32",
        "FE:0x03 atomic.fence zero ->",
    ]
    widths = (("i32", ""), ("i64", ""), ("i32", "8"), ("i32", "16"))
    widths += (("i64", "8"), ("i64", "16"), ("i64", "32"))
    code = 0x10

    def add(name: str, sig: str) -> None:
        nonlocal code
        rows.append(f"FE:{code:#04x} {name} atomic {sig}")
        code += 1

    for t, n in widths:
        add(f"{t}.atomic.load{n}{'_u' if n else ''}", f"addr -> {t}")
    for t, n in widths:
        add(f"{t}.atomic.store{n}", f"addr {t} ->")
    for rmw in ("add", "sub", "and", "or", "xor", "xchg", "cmpxchg"):
        for t, n in widths:
            args = f"{t} {t}" if rmw == "cmpxchg" else t
            add(f"{t}.atomic.rmw{n}.{rmw}{'_u' if n else ''}", f"addr {args} -> {t}")
    return "\n".join(rows)


_TABLE += _atomic_rows()

_VALTYPES: dict[str, ValType | str] = {
    "i32": I32,
    "i64": I64,
    "f32": F32,
    "f64": F64,
    "v128": V128,
    "addr": "addr",
}


@fast_init
@dataclass(frozen=True, slots=True)
class OpInfo:
    code: int
    name: str
    immediates: str
    # None for instructions typed by a rule of the validator's own ("*").
    params: tuple[ValType | str, ...] | None
    results: tuple[ValType | str, ...] | None
    # Tells apart opcodes that share a text name ("null" for ref.test/null).
    variant: str = ""

    @property
    def ident(self) -> str:
        """The name as a Python identifier: ``i32.add`` -> ``i32_add``,
        ``ref.test/null`` -> ``ref_test_null``."""
        ident = self.name.replace(".", "_")
        return f"{ident}_{self.variant}" if self.variant else ident


def _parse_table(text: str) -> dict[int, OpInfo]:
    prefixes = {"FC": FC, "FD": FD, "FB": FB, "FE": FE}
    ops: dict[int, OpInfo] = {}
    for line in text.strip().splitlines():
        code_text, name, imm, *sig = line.split()
        name, _, variant = name.partition("/")
        if ":" in code_text:
            prefix, sub = code_text.split(":")
            code = prefixed(prefixes[prefix], int(sub, 16))
        else:
            code = int(code_text, 16)
        if sig == ["*"]:
            params = results = None
        else:
            arrow = sig.index("->")
            params = tuple(_VALTYPES[t] for t in sig[:arrow])
            results = tuple(_VALTYPES[t] for t in sig[arrow + 1 :])
        ops[code] = OpInfo(code, name, imm, params, results, variant)
    return ops


OPS: dict[int, OpInfo] = _parse_table(_TABLE)
BY_NAME: dict[str, OpInfo] = {info.name: info for info in OPS.values() if not info.variant}
# Every opcode of a text name (two for ref.test and ref.cast).
CODES_BY_NAME: dict[str, tuple[int, ...]] = {}
for _info in OPS.values():
    CODES_BY_NAME[_info.name] = (*CODES_BY_NAME.get(_info.name, ()), _info.code)

# Opcodes as named constants (Op.I32_ADD, Op.BLOCK, ...), for code that
# dispatches on a handful of them.
Op = enum.IntEnum("Op", {info.ident.upper(): code for code, info in OPS.items()})


_TYPE_BYTES = {"i32": 4, "i64": 8, "f32": 4, "f64": 8, "v128": 16, "memory": 4}
_ACCESS = re.compile(r"(?:atomic\.)?(?:load|store|rmw|wait)(\d+)?(?:x(\d+))?")


def access_bytes(name: str) -> int:
    """Bytes a memory instruction accesses, from its name (the natural
    alignment): ``i64.load32_u`` 4, ``v128.load8x8_s`` 8, ``v128.load16_lane``
    2, ``i32.atomic.rmw8.add_u`` 1, ``memory.atomic.wait64`` 8,
    ``memory.atomic.notify`` 4 (its count is an i32 at the address)."""
    prefix, _, rest = name.partition(".")
    m = _ACCESS.match(rest)
    if m is None or m.group(1) is None:
        return _TYPE_BYTES[prefix]
    return int(m.group(1)) * int(m.group(2) or 1) // 8


# One instruction: ``(op, imm)``, its opcode and its immediates (None, a
# value or a tuple, as the opcode's immediate kind says).  A plain tuple,
# not a named one: bodies hold millions, and Python unpacks and builds an
# exact tuple several times faster than any subclass of it (a named tuple
# cost validation a tenth of its time).  ``ins[0]`` is the opcode,
# ``ins[1]`` the immediates.
Instr = tuple  # tuple[int, object]


def instr(op: int, imm: object = None) -> Instr:
    """The instruction ``op`` with immediates ``imm`` (None: none)."""
    return (op, imm)


@fast_init
@dataclass(frozen=True, slots=True)
class MemArg:
    align: int  # log2 of the alignment
    offset: int
    memory: int = 0


class CatchKind(enum.IntEnum):
    """The handler kinds of ``try_table`` by their binary code."""

    CATCH = 0
    CATCH_REF = 1
    CATCH_ALL = 2
    CATCH_ALL_REF = 3

    def __str__(self) -> str:
        return self.name.lower()


class Catch(NamedTuple):
    """One handler of ``try_table``: a tag (None for the ``catch_all``
    kinds) and the label it branches to."""

    kind: CatchKind
    tag: int | None
    label: int


# A block type (spec 2.4.6): None (no result), one value type, or a type
# index (multi-value).
BlockType = object
