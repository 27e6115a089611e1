;; profiles: 2.0
;;
;; Wasm 2.0: segments are applied in order against the *current* size of an
;; imported memory or table (memory.init / table.init, 4.4.7 / 4.4.6).
;; Memories and tables can both be grown before they are imported
;; (memory.grow, table.grow); a segment that fits only because of that
;; growth is written, one that still does not fit traps, and earlier
;; segments' writes - element segments before any data segment - stay.
;; See current_size_misfit.mvp.wast for Wasm 1.0.

(module $M
  (type $r (func (result i32)))
  (memory (export "mem") 1 4)
  (table $t (export "tab") 2 10 funcref)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "size") (result i32) (memory.size))
  (func (export "tgrow") (param i32) (result i32) (table.grow $t (ref.null func) (local.get 0)))
  (func (export "tsize") (result i32) (table.size $t))
  (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "call") (param i32) (result i32) (call_indirect (type $r) (local.get 0)))
)
(register "M" $M)
(assert_return (invoke $M "grow" (i32.const 1)) (i32.const 1))   ;; 2 pages
(assert_return (invoke $M "tgrow" (i32.const 3)) (i32.const 2))  ;; 5 slots

;; -- fits only thanks to growth --------------------------------------------------
(module
  (import "M" "tab" (table 2 funcref))
  (import "M" "mem" (memory 1))
  (func $f (result i32) (i32.const 0x44))
  (elem (i32.const 4) $f)
  (elem (i32.const 5))
  (data (i32.const 0x1ffff) "g")
)
(assert_return (invoke $M "call" (i32.const 4)) (i32.const 0x44))
(assert_return (invoke $M "load8" (i32.const 0x1ffff)) (i32.const 0x67))

;; -- still does not fit ----------------------------------------------------------
;; The element segment is applied, then the first data segment, then the
;; second traps: the first two writes stay.
(assert_trap
  (module
    (import "M" "mem" (memory 1))
    (import "M" "tab" (table 1 funcref))
    (func $f (result i32) (i32.const 1))
    (elem (i32.const 0) $f)
    (data (i32.const 0x1fffe) "ok")
    (data (i32.const 0x20000) "x")
  )
  "out of bounds memory access"
)
(assert_return (invoke $M "load8" (i32.const 0x1fffe)) (i32.const 0x6f))
(assert_return (invoke $M "load8" (i32.const 0x1ffff)) (i32.const 0x6b))
(assert_return (invoke $M "call" (i32.const 0)) (i32.const 1))

;; A segment that would fit the maximum but not the current size.
(assert_trap
  (module (import "M" "mem" (memory 1 4)) (data (i32.const 0x30000) "x"))
  "out of bounds memory access"
)
;; The first slot past the grown table: the data segment (listed first, but
;; applied after all element segments) is not written.
(assert_trap
  (module
    (import "M" "mem" (memory 1))
    (import "M" "tab" (table 1 funcref))
    (data (i32.const 100) "d")
    (func $f (result i32) (i32.const 2))
    (elem (i32.const 1) $f)
    (elem (i32.const 5) $f)
  )
  "out of bounds table access"
)
(assert_return (invoke $M "call" (i32.const 1)) (i32.const 2))
(assert_trap (invoke $M "call" (i32.const 5)) "undefined element")
(assert_return (invoke $M "load8" (i32.const 100)) (i32.const 0))

;; spectest's table has 10 slots, its memory 1 page.
(assert_trap
  (module (import "spectest" "table" (table 0 funcref)) (func $f) (elem (i32.const 10) $f))
  "out of bounds table access"
)
(assert_trap
  (module (import "spectest" "memory" (memory 0)) (data (i32.const 65536) "x"))
  "out of bounds memory access"
)

;; -- grow again: now they fit ---------------------------------------------------------
(assert_return (invoke $M "grow" (i32.const 1)) (i32.const 2))
(assert_return (invoke $M "tgrow" (i32.const 1)) (i32.const 5))
(module
  (import "M" "mem" (memory 1))
  (import "M" "tab" (table 1 funcref))
  (func $f (result i32) (i32.const 3))
  (elem (i32.const 5) $f)
  (data (i32.const 0x20000) "x")
)
(assert_return (invoke $M "call" (i32.const 5)) (i32.const 3))
(assert_return (invoke $M "load8" (i32.const 0x20000)) (i32.const 0x78))

;; Matching an import also uses the current size: 6 slots satisfy a minimum
;; of 6, not of 7.
(module (import "M" "tab" (table 6 funcref)))
(assert_unlinkable (module (import "M" "tab" (table 7 funcref))) "incompatible import type")
