;; profiles: mvp
;;
;; Wasm 1.0: a segment that does not fit the *current* size of an imported
;; memory or table is a link error, even when the memory was grown, and no
;; segment of the module is written (4.5.4 steps 9-10 check everything
;; before step 13 writes anything).  See current_size_fits.wast for the
;; segments that fit only thanks to the current size, and
;; current_size_misfit.2.0.wast for Wasm 2.0.

(module $M
  (type $r (func (result i32)))
  (memory (export "mem") 1 4)
  (table (export "tab") 3 funcref)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "size") (result i32) (memory.size))
  (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "call") (param i32) (result i32) (call_indirect (type $r) (local.get 0)))
)
(register "M" $M)
(assert_return (invoke $M "grow" (i32.const 1)) (i32.const 1))  ;; 2 pages now

;; The first byte past the grown memory.  The module also has an element
;; segment and an earlier data segment that fit: none is written.
(assert_unlinkable
  (module
    (import "M" "mem" (memory 1))
    (import "M" "tab" (table 1 funcref))
    (func $f (result i32) (i32.const 1))
    (elem (i32.const 0) $f)
    (data (i32.const 0x1fffe) "ok")
    (data (i32.const 0x20000) "x")
  )
  "data segment does not fit"
)
(assert_return (invoke $M "load8" (i32.const 0x1fffe)) (i32.const 0))
(assert_trap (invoke $M "call" (i32.const 0)) "uninitialized element")

;; A segment that would fit the memory's maximum, but not its current size.
(assert_unlinkable
  (module (import "M" "mem" (memory 1 4)) (data (i32.const 0x30000) "x"))
  "data segment does not fit"
)

;; spectest's table has 10 slots, its memory 1 page (of at most 20 / 2).
(assert_unlinkable
  (module
    (import "spectest" "table" (table 0 funcref))
    (func $f)
    (elem (i32.const 10) $f)
  )
  "elements segment does not fit"
)
(assert_unlinkable
  (module (import "spectest" "memory" (memory 0)) (data (i32.const 65536) "x"))
  "data segment does not fit"
)

;; Grow again: the same segment now fits and is written.
(assert_return (invoke $M "grow" (i32.const 1)) (i32.const 2))
(module
  (import "M" "mem" (memory 1))
  (import "M" "tab" (table 1 funcref))
  (func $f (result i32) (i32.const 1))
  (elem (i32.const 0) $f)
  (data (i32.const 0x1fffe) "ok")
  (data (i32.const 0x20000) "x")
)
(assert_return (invoke $M "load8" (i32.const 0x1fffe)) (i32.const 0x6f))
(assert_return (invoke $M "load8" (i32.const 0x20000)) (i32.const 0x78))
(assert_return (invoke $M "call" (i32.const 0)) (i32.const 1))

;; Matching an import also uses the current size: 3 pages satisfy a
;; minimum of 3 now, but not of 4.
(module (import "M" "mem" (memory 3)))
(assert_unlinkable (module (import "M" "mem" (memory 4))) "incompatible import type")
