;; profiles: mvp 2.0
;;
;; Overlapping segments: segments are written in their order in the module
;; (element segments before data segments), so where they overlap the later
;; segment's bytes / references win.  Wasm 1.0 4.5.4 steps 13-14 (writes in
;; index order); Wasm 2.0 4.5.4 (table.init/memory.init in order).
;; Across modules, a later instance's segments overwrite an earlier one's in a
;; shared memory or table.

(module $M
  (type $r (func (result i32)))
  (memory (export "mem") 1)
  (table (export "tab") 6 funcref)
  (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "call") (param i32) (result i32) (call_indirect (type $r) (local.get 0)))
)
(register "M" $M)

(module $A
  (import "M" "mem" (memory 1))
  (import "M" "tab" (table 6 funcref))
  (func $one (result i32) (i32.const 1))
  (func $two (result i32) (i32.const 2))
  (func $three (result i32) (i32.const 3))
  ;; bytes 0..5: "aaaa" then "bbbb" at 2 then "c" at 1  ==>  a c b b b b
  (data (i32.const 0) "aaaa")
  (data (i32.const 2) "bbbb")
  (data (i32.const 1) "c")
  ;; slots 0..3: one one one one, then two two at 1, then three at 3
  ;;   ==>  one two two three
  (elem (i32.const 0) $one $one $one $one)
  (elem (i32.const 1) $two $two)
  (elem (i32.const 3) $three)
)
(assert_return (invoke $M "load8" (i32.const 0)) (i32.const 0x61))
(assert_return (invoke $M "load8" (i32.const 1)) (i32.const 0x63))
(assert_return (invoke $M "load8" (i32.const 2)) (i32.const 0x62))
(assert_return (invoke $M "load8" (i32.const 3)) (i32.const 0x62))
(assert_return (invoke $M "load8" (i32.const 5)) (i32.const 0x62))
(assert_return (invoke $M "load8" (i32.const 6)) (i32.const 0))
(assert_return (invoke $M "call" (i32.const 0)) (i32.const 1))
(assert_return (invoke $M "call" (i32.const 1)) (i32.const 2))
(assert_return (invoke $M "call" (i32.const 2)) (i32.const 2))
(assert_return (invoke $M "call" (i32.const 3)) (i32.const 3))
(assert_trap (invoke $M "call" (i32.const 4)) "uninitialized element")

;; The same segment twice: idempotent.  A later module overwrites part of
;; what $A wrote, and leaves the rest.
(module
  (import "M" "mem" (memory 1))
  (import "M" "tab" (table 6 funcref))
  (func $nine (result i32) (i32.const 9))
  (data (i32.const 4) "zz")
  (data (i32.const 4) "zz")
  (data (i32.const 5) "y")
  (elem (i32.const 2) $nine)
)
(assert_return (invoke $M "load8" (i32.const 3)) (i32.const 0x62))
(assert_return (invoke $M "load8" (i32.const 4)) (i32.const 0x7a))
(assert_return (invoke $M "load8" (i32.const 5)) (i32.const 0x79))
(assert_return (invoke $M "call" (i32.const 1)) (i32.const 2))
(assert_return (invoke $M "call" (i32.const 2)) (i32.const 9))
(assert_return (invoke $M "call" (i32.const 3)) (i32.const 3))
