;; profiles: 2.0
;;
;; After instantiation, active segments behave as dropped (Wasm 2.0 4.5.4
;; Instantiation follows every active segment's table.init / memory.init
;; with elem.drop / data.drop): their
;; instances hold no elements / bytes, so memory.init / table.init of them
;; (4.4.7, 4.4.6) trap - "out of bounds memory access" / "out of bounds table
;; access" - unless n = 0 and s = 0 (and d is at most the size).  Dropping
;; them again is allowed.  The segments' instantiation writes are intact.

(module $A
  (type $r (func (result i32)))
  (memory 1)
  (table 4 funcref)
  (func $f (result i32) (i32.const 7))
  (data $d (i32.const 0) "abc")
  (data $empty (i32.const 65536) "")
  (elem $e (i32.const 0) func $f $f)
  (func (export "minit") (param i32 i32 i32)
    (memory.init $d (local.get 0) (local.get 1) (local.get 2)))
  (func (export "minit empty") (param i32 i32 i32)
    (memory.init $empty (local.get 0) (local.get 1) (local.get 2)))
  (func (export "tinit") (param i32 i32 i32)
    (table.init $e (local.get 0) (local.get 1) (local.get 2)))
  (func (export "ddrop") (data.drop $d))
  (func (export "edrop") (elem.drop $e))
  (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "call") (param i32) (result i32) (call_indirect (type $r) (local.get 0)))
)

;; The instantiation writes.
(assert_return (invoke "load8" (i32.const 0)) (i32.const 0x61))
(assert_return (invoke "load8" (i32.const 2)) (i32.const 0x63))
(assert_return (invoke "call" (i32.const 1)) (i32.const 7))
(assert_trap (invoke "call" (i32.const 2)) "uninitialized element")

;; -- memory.init of an active data segment ------------------------------------
(assert_return (invoke "minit" (i32.const 0) (i32.const 0) (i32.const 0)))
(assert_return (invoke "minit" (i32.const 100) (i32.const 0) (i32.const 0)))
(assert_return (invoke "minit" (i32.const 65536) (i32.const 0) (i32.const 0)))
(assert_trap (invoke "minit" (i32.const 65537) (i32.const 0) (i32.const 0))
  "out of bounds memory access")
;; The bytes it held before the drop are no longer there: any n > 0 or s > 0 traps.
(assert_trap (invoke "minit" (i32.const 10) (i32.const 0) (i32.const 1))
  "out of bounds memory access")
(assert_trap (invoke "minit" (i32.const 10) (i32.const 0) (i32.const 3))
  "out of bounds memory access")
(assert_trap (invoke "minit" (i32.const 10) (i32.const 1) (i32.const 0))
  "out of bounds memory access")
(assert_trap (invoke "minit" (i32.const 10) (i32.const 2) (i32.const 1))
  "out of bounds memory access")
(assert_return (invoke "load8" (i32.const 10)) (i32.const 0))
(assert_return (invoke "load8" (i32.const 11)) (i32.const 0))
;; The zero-length active segment, too.
(assert_return (invoke "minit empty" (i32.const 0) (i32.const 0) (i32.const 0)))
(assert_trap (invoke "minit empty" (i32.const 0) (i32.const 1) (i32.const 0))
  "out of bounds memory access")
;; Dropping it again is fine, and changes nothing.
(assert_return (invoke "ddrop"))
(assert_return (invoke "ddrop"))
(assert_return (invoke "minit" (i32.const 0) (i32.const 0) (i32.const 0)))
(assert_trap (invoke "minit" (i32.const 0) (i32.const 0) (i32.const 1))
  "out of bounds memory access")
(assert_return (invoke "load8" (i32.const 0)) (i32.const 0x61))

;; -- table.init of an active element segment ----------------------------------
(assert_return (invoke "tinit" (i32.const 0) (i32.const 0) (i32.const 0)))
(assert_return (invoke "tinit" (i32.const 4) (i32.const 0) (i32.const 0)))
(assert_trap (invoke "tinit" (i32.const 5) (i32.const 0) (i32.const 0))
  "out of bounds table access")
(assert_trap (invoke "tinit" (i32.const 2) (i32.const 0) (i32.const 1))
  "out of bounds table access")
(assert_trap (invoke "tinit" (i32.const 2) (i32.const 0) (i32.const 2))
  "out of bounds table access")
(assert_trap (invoke "tinit" (i32.const 2) (i32.const 1) (i32.const 0))
  "out of bounds table access")
(assert_trap (invoke "call" (i32.const 2)) "uninitialized element")
(assert_return (invoke "edrop"))
(assert_return (invoke "edrop"))
(assert_return (invoke "tinit" (i32.const 1) (i32.const 0) (i32.const 0)))
(assert_trap (invoke "tinit" (i32.const 1) (i32.const 0) (i32.const 1))
  "out of bounds table access")
(assert_return (invoke "call" (i32.const 0)) (i32.const 7))

;; -- a second instance of the same module has its own segment instances -----
;; (Instantiated again, it writes again and drops its own copies; its
;; memory.init of them traps just the same.)
(module $B
  (memory (export "mem") 1)
  (data $d (i32.const 5) "xyz")
  (data $p "pqr")
  (func (export "minit d") (param i32 i32 i32)
    (memory.init $d (local.get 0) (local.get 1) (local.get 2)))
  (func (export "minit p") (param i32 i32 i32)
    (memory.init $p (local.get 0) (local.get 1) (local.get 2)))
  (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0)))
)
(assert_trap (invoke $B "minit d" (i32.const 0) (i32.const 0) (i32.const 3))
  "out of bounds memory access")
;; The passive segment next to it is not dropped.
(assert_return (invoke $B "minit p" (i32.const 0) (i32.const 0) (i32.const 3)))
(assert_return (invoke $B "load8" (i32.const 0)) (i32.const 0x70))
(assert_return (invoke $B "load8" (i32.const 5)) (i32.const 0x78))
