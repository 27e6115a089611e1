;; profiles: 2.0
;;
;; Several tables (reference types): each active element segment is applied
;; to its own table (Wasm 2.0 4.5.4: table.init x i with x the segment's
;; table), and table.init's two immediates (element segment, table) are not
;; interchangeable.  A failing segment in one table leaves the writes to the
;; other tables made before it.

(module $M
  (type $r (func (result i32)))
  (table $t0 (export "t0") 2 funcref)
  (table $t1 (export "t1") 3 funcref)
  (func $a (result i32) (i32.const 0xa))
  (func $b (result i32) (i32.const 0xb))
  (func $c (result i32) (i32.const 0xc))
  (elem $e0 (table $t1) (i32.const 1) func $a $b)       ;; element segment 0
  (elem $p funcref (ref.func $b) (ref.func $a) (ref.null func))   ;; 1, passive
  (elem $e2 (table $t0) (i32.const 1) func $c)           ;; 2
  (func (export "call0") (param i32) (result i32) (call_indirect $t0 (type $r) (local.get 0)))
  (func (export "call1") (param i32) (result i32) (call_indirect $t1 (type $r) (local.get 0)))
  (func (export "init t0 p") (param i32 i32 i32)
    (table.init $t0 $p (local.get 0) (local.get 1) (local.get 2)))
  (func (export "init t1 p") (param i32 i32 i32)
    (table.init $t1 $p (local.get 0) (local.get 1) (local.get 2)))
  (func (export "init t1 e0") (param i32 i32 i32)
    (table.init $t1 $e0 (local.get 0) (local.get 1) (local.get 2)))
)
(register "M" $M)

;; The active segments went to their own tables.
(assert_trap (invoke $M "call0" (i32.const 0)) "uninitialized element")
(assert_return (invoke $M "call0" (i32.const 1)) (i32.const 0xc))
(assert_trap (invoke $M "call1" (i32.const 0)) "uninitialized element")
(assert_return (invoke $M "call1" (i32.const 1)) (i32.const 0xa))
(assert_return (invoke $M "call1" (i32.const 2)) (i32.const 0xb))

;; table.init of table 0 from passive segment 1 (indices differ: swapping
;; them would read dropped segment 0 and trap).
(assert_return (invoke $M "init t0 p" (i32.const 0) (i32.const 0) (i32.const 2)))
(assert_return (invoke $M "call0" (i32.const 0)) (i32.const 0xb))
(assert_return (invoke $M "call0" (i32.const 1)) (i32.const 0xa))
;; table.init of table 1 from segment 1: copies $b, $a, null over slots 0-2.
(assert_return (invoke $M "init t1 p" (i32.const 0) (i32.const 0) (i32.const 3)))
(assert_return (invoke $M "call1" (i32.const 0)) (i32.const 0xb))
(assert_return (invoke $M "call1" (i32.const 1)) (i32.const 0xa))
(assert_trap (invoke $M "call1" (i32.const 2)) "uninitialized element")
;; Segment 1 has 3 entries; table 0 has 2 slots.
(assert_trap (invoke $M "init t0 p" (i32.const 0) (i32.const 0) (i32.const 3))
  "out of bounds table access")
(assert_return (invoke $M "init t0 p" (i32.const 2) (i32.const 3) (i32.const 0)))
;; The active segment 0 is dropped.
(assert_trap (invoke $M "init t1 e0" (i32.const 0) (i32.const 0) (i32.const 1))
  "out of bounds table access")
(assert_return (invoke $M "init t1 e0" (i32.const 3) (i32.const 0) (i32.const 0)))

;; -- a module writing to two imported tables; the second write traps ------------
(assert_trap
  (module
    (import "M" "t0" (table $t0 2 funcref))
    (import "M" "t1" (table $t1 3 funcref))
    (func $d (result i32) (i32.const 0xd))
    (elem (table $t1) (i32.const 2) func $d)
    (elem (table $t0) (i32.const 0) func $d)
    (elem (table $t0) (i32.const 2) func $d)   ;; fits table 1, not table 0
  )
  "out of bounds table access"
)
(assert_return (invoke $M "call1" (i32.const 2)) (i32.const 0xd))
(assert_return (invoke $M "call0" (i32.const 0)) (i32.const 0xd))
(assert_return (invoke $M "call0" (i32.const 1)) (i32.const 0xa))

;; -- an expression segment into the second table (the segment form with a
;; table index and element expressions) --------------------------------------
(module
  (import "M" "t0" (table $t0 2 funcref))
  (import "M" "t1" (table $t1 3 funcref))
  (func $e (result i32) (i32.const 0xe))
  (elem (table $t1) (i32.const 0) funcref (ref.func $e) (ref.null func))
)
(assert_return (invoke $M "call1" (i32.const 0)) (i32.const 0xe))
(assert_trap (invoke $M "call1" (i32.const 1)) "uninitialized element")
(assert_return (invoke $M "call1" (i32.const 2)) (i32.const 0xd))
(assert_return (invoke $M "call0" (i32.const 0)) (i32.const 0xd))
