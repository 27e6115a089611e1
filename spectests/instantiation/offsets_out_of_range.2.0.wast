;; profiles: 2.0
;;
;; Wasm 2.0: offsets are u32 values; memory.init / table.init (4.4.7, 4.4.6)
;; trap if d + n exceeds the size, computed without wrapping.  A "negative"
;; i32.const offset is a huge unsigned one, and never wraps round to the
;; start.  Offsets from imported globals are checked the same way.  A misfit
;; traps, and the segments applied before it stay written.
;; Compare offsets_out_of_range.mvp.wast.

(module $G
  (global (export "end+1") i32 (i32.const 65537))
  (global (export "minus1") i32 (i32.const -1))
  (global (export "five") i32 (i32.const 5))
)
(register "G" $G)

(module $M
  (type $r (func (result i32)))
  (memory (export "mem") 1)
  (table (export "tab") 4 funcref)
  (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "call") (param i32) (result i32) (call_indirect (type $r) (local.get 0)))
)
(register "M" $M)

;; -1 as an offset is 0xffffffff; with 2 bytes the end would wrap to 1.
(assert_trap
  (module (import "M" "mem" (memory 1)) (data (i32.const -1) "ab"))
  "out of bounds memory access"
)
(assert_trap
  (module (import "M" "mem" (memory 1)) (data (i32.const -1) ""))
  "out of bounds memory access"
)
(assert_trap
  (module (import "M" "mem" (memory 1)) (data (i32.const 0x80000000) "c"))
  "out of bounds memory access"
)
(assert_return (invoke $M "load8" (i32.const 0)) (i32.const 0))
(assert_return (invoke $M "load8" (i32.const 65535)) (i32.const 0))

(assert_trap
  (module
    (import "M" "tab" (table 4 funcref))
    (func $f (result i32) (i32.const 1))
    (elem (i32.const -1) $f $f)
  )
  "out of bounds table access"
)
(assert_trap (invoke $M "call" (i32.const 0)) "uninitialized element")

;; Offsets from imported globals: 65537 for a zero-length data segment, -1 and
;; 5 for element segments (the table has 4 slots); earlier segments stay.
(assert_trap
  (module
    (import "G" "end+1" (global $g i32))
    (import "M" "mem" (memory 1))
    (data (i32.const 0) "x")
    (data (global.get $g) "")
  )
  "out of bounds memory access"
)
(assert_return (invoke $M "load8" (i32.const 0)) (i32.const 0x78))
(assert_trap
  (module
    (import "G" "minus1" (global $g i32))
    (import "M" "tab" (table 4 funcref))
    (func $f (result i32) (i32.const 1))
    (elem (i32.const 0) $f)
    (elem (global.get $g))
  )
  "out of bounds table access"
)
(assert_return (invoke $M "call" (i32.const 0)) (i32.const 1))
(assert_trap
  (module
    (import "G" "five" (global $g i32))
    (import "M" "tab" (table 4 funcref))
    (func $f (result i32) (i32.const 2))
    (elem (i32.const 1) $f)
    (elem (global.get $g))
  )
  "out of bounds table access"
)
(assert_return (invoke $M "call" (i32.const 1)) (i32.const 2))
;; spectest's global_i32 (666) is past the end of a 10-slot table.
(assert_trap
  (module
    (import "spectest" "global_i32" (global $g i32))
    (table 10 funcref)
    (elem (global.get $g))
  )
  "out of bounds table access"
)
