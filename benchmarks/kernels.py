"""The benchmark kernels, as WebAssembly text.

Each kernel has an export ``run`` taking a size parameter, so slow runtimes
can be measured on less work and compared per unit of work.
"""

from __future__ import annotations

from dataclasses import dataclass

from refimpl.binary.encode import sleb, uleb


@dataclass(frozen=True)
class Kernel:
    name: str
    wat: str
    size: int  # the full size
    unit: str  # what one unit of size is
    small: int  # the size slow runtimes run, scaled to the full size
    needs_simd: bool = False
    profile: str = "2.0"  # the feature profile refimpl runs it under


FIB = Kernel(
    "fib(25)",
    """(module (func $fib (export "run") (param i32) (result i32)
      (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
        (then (local.get 0))
        (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                       (call $fib (i32.sub (local.get 0) (i32.const 2))))))))""",
    25,
    "n",
    25,
)

SUM = Kernel(
    "i64 sum loop",
    """(module (func (export "run") (param $n i32) (result i64) (local $i i64) (local $s i64)
      (block $done (loop $l
        (br_if $done (i64.ge_u (local.get $i) (i64.extend_i32_u (local.get $n))))
        (local.set $s (i64.add (local.get $s) (local.get $i)))
        (local.set $i (i64.add (local.get $i) (i64.const 1)))
        (br $l)))
      (local.get $s)))""",
    10_000_000,
    "iterations",
    200_000,
)

MEMORY = Kernel(
    "memory: fill+copy+checksum 16 MiB",
    """(module (memory 512)
      (func (export "run") (param $bytes i32) (result i64) (local $i i32) (local $s i64)
        ;; fill the first region with a pattern, 8 bytes at a time
        (block $f (loop $l
          (br_if $f (i32.ge_u (local.get $i) (local.get $bytes)))
          (i64.store (local.get $i) (i64.mul (i64.extend_i32_u (local.get $i))
                                             (i64.const 0x9E3779B97F4A7C15)))
          (local.set $i (i32.add (local.get $i) (i32.const 8)))
          (br $l)))
        ;; copy it 8 bytes at a time into the second region
        (local.set $i (i32.const 0))
        (block $c (loop $l
          (br_if $c (i32.ge_u (local.get $i) (local.get $bytes)))
          (i64.store offset=16777216 (local.get $i) (i64.load (local.get $i)))
          (local.set $i (i32.add (local.get $i) (i32.const 8)))
          (br $l)))
        ;; checksum the copy byte by byte over its first 1/16th, then by words
        (local.set $i (i32.const 0))
        (block $k (loop $l
          (br_if $k (i32.ge_u (local.get $i) (local.get $bytes)))
          (local.set $s (i64.add (i64.rotl (local.get $s) (i64.const 5))
                                 (i64.load offset=16777216 (local.get $i))))
          (local.set $i (i32.add (local.get $i) (i32.const 8)))
          (br $l)))
        (local.get $s)))""",
    16 * 1024 * 1024,
    "bytes",
    256 * 1024,
)

CALL_INDIRECT = Kernel(
    "call_indirect loop",
    """(module (type $t (func (param i32) (result i32)))
      (table 4 funcref) (elem (i32.const 0) $a $b $c $d)
      (func $a (type $t) (i32.add (local.get 0) (i32.const 1)))
      (func $b (type $t) (i32.xor (local.get 0) (i32.const 0x55)))
      (func $c (type $t) (i32.mul (local.get 0) (i32.const 3)))
      (func $d (type $t) (i32.shr_u (local.get 0) (i32.const 1)))
      (func (export "run") (param $n i32) (result i32) (local $i i32) (local $x i32)
        (block $done (loop $l
          (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
          (local.set $x (call_indirect (type $t) (local.get $x)
                                       (i32.and (local.get $i) (i32.const 3))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $l)))
        (local.get $x)))""",
    1_000_000,
    "calls",
    50_000,
)

SIMD = Kernel(
    "SIMD: f32x4 dot + i8x16 saturating sum",
    """(module (memory 8)
      (func (export "run") (param $n i32) (result f32) (local $i i32)
          (local $acc v128) (local $bytes v128)
        ;; $n vector steps over two f32 arrays at 0 and 0x40000 (wrapping every 16K steps)
        (block $done (loop $l
          (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
          (local.set $acc (f32x4.add (local.get $acc)
            (f32x4.mul (v128.load (i32.and (i32.shl (local.get $i) (i32.const 4))
                                           (i32.const 0x3FFF0)))
                       (v128.load offset=0x40000 (i32.and (i32.shl (local.get $i) (i32.const 4))
                                                          (i32.const 0x3FFF0))))))
          (local.set $bytes (i8x16.add_sat_s (local.get $bytes)
                                             (i8x16.splat (local.get $i))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $l)))
        (f32.add (f32x4.extract_lane 0 (local.get $acc))
                 (f32.convert_i32_s (i8x16.extract_lane_s 3 (local.get $bytes))))))""",
    200_000,
    "vector steps",
    20_000,
    needs_simd=True,
)

TAIL_CALL = Kernel(
    "return_call loop",
    """(module
      (func $loop (param $n i32) (param $acc i64) (result i64)
        (if (result i64) (i32.eqz (local.get $n))
          (then (local.get $acc))
          (else (return_call $loop (i32.sub (local.get $n) (i32.const 1))
                                   (i64.add (local.get $acc) (i64.extend_i32_u (local.get $n)))))))
      (func (export "run") (param $n i32) (result i64)
        (return_call $loop (local.get $n) (i64.const 0))))""",
    10_000_000,
    "tail calls",
    200_000,
    profile="3.0",
)

EXCEPTIONS = Kernel(
    "throw/catch loop",
    """(module (tag $e (param i32))
      (func $thrower (param i32) (throw $e (local.get 0)))
      (func (export "run") (param $n i32) (result i32) (local $i i32) (local $s i32)
        (block $done (loop $l
          (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
          (local.set $s (i32.add (local.get $s)
            (block $h (result i32)
              (try_table (catch $e $h) (call $thrower (local.get $i)))
              (i32.const 0))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $l)))
        (local.get $s)))""",
    100_000,
    "exceptions",
    20_000,
    profile="3.0",
)


LINKED_LIST = Kernel(
    "GC: build+walk a linked list of structs",
    """(module
      (type $node (struct (field $v i32) (field $next (ref null $node))))
      (func (export "run") (param $n i32) (result i32)
          (local $l (ref null $node)) (local $s i32)
        (block $built (loop $build
          (br_if $built (i32.eqz (local.get $n)))
          (local.set $l (struct.new $node (local.get $n) (local.get $l)))
          (local.set $n (i32.sub (local.get $n) (i32.const 1)))
          (br $build)))
        (block $walked (loop $walk
          (br_if $walked (ref.is_null (local.get $l)))
          (local.set $s (i32.add (local.get $s) (struct.get $node $v (local.get $l))))
          (local.set $l (struct.get $node $next (local.get $l)))
          (br $walk)))
        (local.get $s)))""",
    1_000_000,
    "nodes",
    100_000,
    profile="3.0",
)

BINARY_TREES = Kernel(
    "GC: binary trees (allocate and check)",
    """(module
      (type $tree (struct (field $l (ref null $tree)) (field $r (ref null $tree))))
      (func $make (param $d i32) (result (ref $tree))
        (if (result (ref $tree)) (i32.eqz (local.get $d))
          (then (struct.new $tree (ref.null $tree) (ref.null $tree)))
          (else (struct.new $tree
                  (call $make (i32.sub (local.get $d) (i32.const 1)))
                  (call $make (i32.sub (local.get $d) (i32.const 1)))))))
      (func $check (param $t (ref null $tree)) (result i32)
        (if (result i32) (ref.is_null (struct.get $tree $l (local.get $t)))
          (then (i32.const 1))
          (else (i32.add (i32.const 1)
                  (i32.add (call $check (struct.get $tree $l (local.get $t)))
                           (call $check (struct.get $tree $r (local.get $t))))))))
      (func (export "run") (param $nodes i32) (result i32) (local $d i32)
        ;; the deepest tree of at most $nodes nodes
        (block $done (loop $deeper
          (br_if $done (i32.gt_u (i32.shl (i32.const 2) (i32.add (local.get $d) (i32.const 1)))
                                 (i32.add (local.get $nodes) (i32.const 1))))
          (local.set $d (i32.add (local.get $d) (i32.const 1)))
          (br $deeper)))
        (call $check (call $make (local.get $d)))))""",
    1_048_575,
    "nodes",
    131_071,
    profile="3.0",
)


KERNELS = [FIB, SUM, MEMORY, CALL_INDIRECT, SIMD, TAIL_CALL, EXCEPTIONS, LINKED_LIST, BINARY_TREES]


def _section(sid: int, body: bytes) -> bytes:
    return bytes([sid]) + uleb(len(body)) + body


def data_heavy_module(total_bytes: int, segments: int = 1000, seed: int = 1) -> bytes:
    """A module whose memory is initialised by ``segments`` active data
    segments holding ``total_bytes`` of non-zero data in all, spread over a
    memory twice that size (built directly as a binary: as text it would
    be as large as the data)."""
    import random

    rng = random.Random(seed)
    pages = max(1, (2 * total_bytes + 65535) // 65536)
    per = total_bytes // segments
    memory = _section(5, uleb(1) + b"\x00" + uleb(pages))
    body = bytearray(uleb(segments))
    for i in range(segments):
        offset = i * 2 * per
        payload = rng.randbytes(per)
        body += b"\x00\x41" + sleb(offset) + b"\x0b" + uleb(per) + payload
    export = _section(7, uleb(1) + uleb(3) + b"mem" + b"\x02" + uleb(0))
    return b"\x00asm\x01\x00\x00\x00" + memory + export + _section(11, bytes(body))
