;; profiles: mvp 2.0
;;
;; Segments that end exactly at the end of their memory or table fit, in both
;; generations, including zero-length segments whose offset equals the size.
;;
;; Wasm 1.0, 4.5.4 Instantiation, steps 9-10: a segment fails only if
;; offset + length > current size; offset = size with length 0 is fine.
;; Wasm 2.0, 4.5.4 runs table.init / memory.init (4.4.6, 4.4.7),
;; which trap only if s + n > |segment| or d + n > size: again d = size,
;; n = 0 is fine.  (One past the end differs: see zero_length_past_end.*.)

(module $M
  (type $r (func (result i32)))
  (memory (export "mem") 1)
  (table (export "tab") 4 funcref)
  (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "call") (param i32) (result i32) (call_indirect (type $r) (local.get 0)))
)
(register "M" $M)

;; -- data: an own memory ----------------------------------------------------
;; A zero-length segment at offset 65536 = the size of a 1-page memory; the
;; module instantiates, and its other segment (listed after it) is written.
(module $A
  (memory 1)
  (data (i32.const 65536) "")
  (data (i32.const 65535) "\2a")
  (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0)))
)
(assert_return (invoke $A "load8" (i32.const 65535)) (i32.const 0x2a))

;; A memory of 0 pages: a zero-length segment at 0 is exactly at its end.
(module $Z
  (memory 0)
  (data (i32.const 0) "")
  (func (export "size") (result i32) (memory.size))
)
(assert_return (invoke $Z "size") (i32.const 0))

;; -- data: an imported memory --------------------------------------------------
;; A non-empty segment ending on the last byte, then a zero-length one at the end.
(module
  (import "M" "mem" (memory 1))
  (data (i32.const 65533) "xyz")
  (data (i32.const 65536) "")
)
(assert_return (invoke $M "load8" (i32.const 65532)) (i32.const 0))
(assert_return (invoke $M "load8" (i32.const 65533)) (i32.const 0x78))
(assert_return (invoke $M "load8" (i32.const 65535)) (i32.const 0x7a))

;; -- elements: an imported table ----------------------------------------------
;; A zero-length element segment at offset 4 = the table's size, and a
;; one-element segment filling the last slot.
(module
  (import "M" "tab" (table 4 funcref))
  (func $f (result i32) (i32.const 11))
  (elem (i32.const 4))
  (elem (i32.const 3) $f)
)
(assert_return (invoke $M "call" (i32.const 3)) (i32.const 11))
(assert_trap (invoke $M "call" (i32.const 2)) "uninitialized element")
(assert_trap (invoke $M "call" (i32.const 4)) "undefined element")

;; -- elements: an own, empty table ----------------------------------------------
(module $T0
  (table 0 funcref)
  (elem (i32.const 0))
  (memory 1)
  (data (i32.const 0) "\01")
  (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0)))
)
(assert_return (invoke $T0 "load8" (i32.const 0)) (i32.const 1))

;; -- both at once, with a start function --------------------------------------
;; Zero-length segments at both ends, then a start function that marks
;; memory: it runs only if every segment fitted.
(module
  (import "M" "mem" (memory 1))
  (import "M" "tab" (table 4 funcref))
  (elem (i32.const 4))
  (elem (i32.const 0))
  (data (i32.const 65536) "")
  (data (i32.const 0) "")
  (func $start (i32.store8 (i32.const 100) (i32.const 0x55)))
  (start $start)
)
(assert_return (invoke $M "load8" (i32.const 100)) (i32.const 0x55))
