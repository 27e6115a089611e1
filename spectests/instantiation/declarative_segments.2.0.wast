;; profiles: 2.0
;;
;; Declarative element segments (Wasm 2.0 2.5.7) only declare functions for
;; ref.func; instantiation drops them (Wasm 2.0 4.5.4: elem.drop for each
;; declarative segment) and writes them nowhere.  So table.init of one
;; traps unless n = 0 and s = 0, however many elements it declared, and
;; ref.func of a declared function works.

(module $D
  (type $r (func (result i32)))
  (table 4 funcref)
  (func $f (result i32) (i32.const 5))
  (func $g (result i32) (i32.const 6))
  (elem $decl declare func $f $g)
  (elem $decl_expr declare funcref (ref.func $g) (ref.null func))
  ;; An active segment after the declarative ones, to show instantiation went on.
  (elem (i32.const 3) func $g)
  (func (export "tinit") (param i32 i32 i32)
    (table.init $decl (local.get 0) (local.get 1) (local.get 2)))
  (func (export "tinit expr") (param i32 i32 i32)
    (table.init $decl_expr (local.get 0) (local.get 1) (local.get 2)))
  (func (export "edrop") (elem.drop $decl))
  (func (export "set f") (param i32) (table.set (local.get 0) (ref.func $f)))
  (func (export "call") (param i32) (result i32) (call_indirect (type $r) (local.get 0)))
)

;; Nothing was written to the table by the declarative segments.
(assert_trap (invoke "call" (i32.const 0)) "uninitialized element")
(assert_trap (invoke "call" (i32.const 1)) "uninitialized element")
(assert_return (invoke "call" (i32.const 3)) (i32.const 6))

(assert_return (invoke "tinit" (i32.const 0) (i32.const 0) (i32.const 0)))
(assert_return (invoke "tinit" (i32.const 4) (i32.const 0) (i32.const 0)))
(assert_trap (invoke "tinit" (i32.const 5) (i32.const 0) (i32.const 0))
  "out of bounds table access")
(assert_trap (invoke "tinit" (i32.const 0) (i32.const 0) (i32.const 1))
  "out of bounds table access")
(assert_trap (invoke "tinit" (i32.const 0) (i32.const 0) (i32.const 2))
  "out of bounds table access")
(assert_trap (invoke "tinit" (i32.const 0) (i32.const 1) (i32.const 0))
  "out of bounds table access")
(assert_trap (invoke "tinit expr" (i32.const 0) (i32.const 0) (i32.const 1))
  "out of bounds table access")
(assert_return (invoke "tinit expr" (i32.const 2) (i32.const 0) (i32.const 0)))
(assert_trap (invoke "call" (i32.const 0)) "uninitialized element")

;; ref.func of a declared function works.
(assert_return (invoke "set f" (i32.const 0)))
(assert_return (invoke "call" (i32.const 0)) (i32.const 5))

;; elem.drop of an already dropped declarative segment is fine.
(assert_return (invoke "edrop"))
(assert_return (invoke "edrop"))
(assert_return (invoke "tinit" (i32.const 1) (i32.const 0) (i32.const 0)))
(assert_trap (invoke "tinit" (i32.const 1) (i32.const 0) (i32.const 1))
  "out of bounds table access")

;; A declarative segment longer than any table, in a module without a table
;; at all: it has no offset and is never bounds-checked, so it instantiates.
(module $E
  (func $f (result i32) (i32.const 8))
  (elem declare func $f $f $f $f $f $f $f $f $f $f $f $f)
  (global (export "g") funcref (ref.func $f))
  (func (export "is null") (result i32) (ref.is_null (global.get 0)))
)
(assert_return (invoke $E "is null") (i32.const 0))
