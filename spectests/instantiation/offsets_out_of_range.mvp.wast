;; profiles: mvp
;;
;; Wasm 1.0: offsets are u32 values and the fit check is done on their full,
;; unwrapped sum with the length (4.5.4 steps 9-10): a "negative" i32.const
;; offset is a huge unsigned one, and offset + n never wraps round to the
;; start of memory or table.  Offsets from imported globals are checked the
;; same way.  Every misfit is a link error and nothing is written.
;; Compare offsets_out_of_range.2.0.wast.

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
(assert_unlinkable
  (module (import "M" "mem" (memory 1)) (data (i32.const -1) "ab"))
  "data segment does not fit"
)
(assert_unlinkable
  (module (import "M" "mem" (memory 1)) (data (i32.const -1) ""))
  "data segment does not fit"
)
(assert_unlinkable
  (module (import "M" "mem" (memory 1)) (data (i32.const 0x80000000) "c"))
  "data segment does not fit"
)
(assert_return (invoke $M "load8" (i32.const 0)) (i32.const 0))
(assert_return (invoke $M "load8" (i32.const 65535)) (i32.const 0))

(assert_unlinkable
  (module
    (import "M" "tab" (table 4 funcref))
    (func $f (result i32) (i32.const 1))
    (elem (i32.const -1) $f $f)
  )
  "elements segment does not fit"
)
(assert_trap (invoke $M "call" (i32.const 0)) "uninitialized element")

;; Offsets from imported globals: 65537 for a zero-length data segment, -1 and
;; 5 for element segments (the table has 4 slots); earlier segments are not
;; written.
(assert_unlinkable
  (module
    (import "G" "end+1" (global $g i32))
    (import "M" "mem" (memory 1))
    (data (i32.const 0) "x")
    (data (global.get $g) "")
  )
  "data segment does not fit"
)
(assert_return (invoke $M "load8" (i32.const 0)) (i32.const 0))
(assert_unlinkable
  (module
    (import "G" "minus1" (global $g i32))
    (import "M" "tab" (table 4 funcref))
    (func $f (result i32) (i32.const 1))
    (elem (i32.const 0) $f)
    (elem (global.get $g))
  )
  "elements segment does not fit"
)
(assert_unlinkable
  (module
    (import "G" "five" (global $g i32))
    (import "M" "tab" (table 4 funcref))
    (func $f (result i32) (i32.const 1))
    (elem (i32.const 0) $f)
    (elem (global.get $g))
  )
  "elements segment does not fit"
)
(assert_trap (invoke $M "call" (i32.const 0)) "uninitialized element")
;; spectest's global_i32 (666) is past the end of a 10-slot table.
(assert_unlinkable
  (module
    (import "spectest" "global_i32" (global $g i32))
    (table 10 funcref)
    (elem (global.get $g))
  )
  "elements segment does not fit"
)
