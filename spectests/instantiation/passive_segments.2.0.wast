;; profiles: 2.0
;;
;; Passive segments (Wasm 2.0 2.5.7 / 2.5.8): instantiation neither writes
;; nor drops them (Wasm 2.0 4.5.4 only touches active and declarative
;; ones), so memory.init / table.init copy from them (4.4.7, 4.4.6) until
;; data.drop / elem.drop empties them; then only n = 0, s = 0 is allowed.
;; Bounds are checked before anything is written: a trapping init writes
;; nothing.

(module $P
  (type $r (func (result i32)))
  (memory 1)
  (table 6 funcref)
  (func $f (result i32) (i32.const 1))
  (func $g (result i32) (i32.const 2))
  (data $p "hello")
  (data (i32.const 100) "X")
  (elem $q func $f $g)
  (elem (i32.const 5) func $g)
  (func (export "minit") (param i32 i32 i32)
    (memory.init $p (local.get 0) (local.get 1) (local.get 2)))
  (func (export "tinit") (param i32 i32 i32)
    (table.init $q (local.get 0) (local.get 1) (local.get 2)))
  (func (export "ddrop") (data.drop $p))
  (func (export "edrop") (elem.drop $q))
  (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "call") (param i32) (result i32) (call_indirect (type $r) (local.get 0)))
)

;; Instantiation did not write the passive segments, only the active ones.
(assert_return (invoke "load8" (i32.const 0)) (i32.const 0))
(assert_return (invoke "load8" (i32.const 100)) (i32.const 0x58))
(assert_trap (invoke "call" (i32.const 0)) "uninitialized element")
(assert_trap (invoke "call" (i32.const 1)) "uninitialized element")
(assert_return (invoke "call" (i32.const 5)) (i32.const 2))

;; -- memory.init before data.drop ----------------------------------------------
(assert_return (invoke "minit" (i32.const 0) (i32.const 0) (i32.const 5)))
(assert_return (invoke "load8" (i32.const 0)) (i32.const 0x68))
(assert_return (invoke "load8" (i32.const 4)) (i32.const 0x6f))
(assert_return (invoke "minit" (i32.const 10) (i32.const 1) (i32.const 3)))
(assert_return (invoke "load8" (i32.const 10)) (i32.const 0x65))
(assert_return (invoke "load8" (i32.const 12)) (i32.const 0x6c))
(assert_return (invoke "load8" (i32.const 13)) (i32.const 0))
;; s = |segment| with n = 0 is fine; s past it is not.
(assert_return (invoke "minit" (i32.const 0) (i32.const 5) (i32.const 0)))
(assert_trap (invoke "minit" (i32.const 0) (i32.const 6) (i32.const 0))
  "out of bounds memory access")
;; Reading past the segment's end: nothing written.
(assert_trap (invoke "minit" (i32.const 20) (i32.const 4) (i32.const 2))
  "out of bounds memory access")
(assert_return (invoke "load8" (i32.const 20)) (i32.const 0))
;; Writing past the memory's end: nothing written, not even the in-bounds byte.
(assert_trap (invoke "minit" (i32.const 65535) (i32.const 0) (i32.const 2))
  "out of bounds memory access")
(assert_return (invoke "load8" (i32.const 65535)) (i32.const 0))
(assert_return (invoke "minit" (i32.const 65535) (i32.const 0) (i32.const 1)))
(assert_return (invoke "load8" (i32.const 65535)) (i32.const 0x68))
(assert_return (invoke "minit" (i32.const 65536) (i32.const 0) (i32.const 0)))
(assert_trap (invoke "minit" (i32.const 65537) (i32.const 0) (i32.const 0))
  "out of bounds memory access")

;; -- after data.drop --------------------------------------------------------------
(assert_return (invoke "ddrop"))
(assert_return (invoke "minit" (i32.const 0) (i32.const 0) (i32.const 0)))
(assert_return (invoke "minit" (i32.const 65536) (i32.const 0) (i32.const 0)))
(assert_trap (invoke "minit" (i32.const 30) (i32.const 0) (i32.const 1))
  "out of bounds memory access")
(assert_trap (invoke "minit" (i32.const 30) (i32.const 1) (i32.const 0))
  "out of bounds memory access")
(assert_return (invoke "load8" (i32.const 30)) (i32.const 0))
(assert_return (invoke "ddrop"))
;; What was copied before stays.
(assert_return (invoke "load8" (i32.const 0)) (i32.const 0x68))

;; -- table.init before elem.drop ---------------------------------------------------
(assert_return (invoke "tinit" (i32.const 0) (i32.const 0) (i32.const 2)))
(assert_return (invoke "call" (i32.const 0)) (i32.const 1))
(assert_return (invoke "call" (i32.const 1)) (i32.const 2))
(assert_return (invoke "tinit" (i32.const 3) (i32.const 1) (i32.const 1)))
(assert_return (invoke "call" (i32.const 3)) (i32.const 2))
(assert_return (invoke "tinit" (i32.const 0) (i32.const 2) (i32.const 0)))
(assert_trap (invoke "tinit" (i32.const 0) (i32.const 3) (i32.const 0))
  "out of bounds table access")
;; Past the table's end: slot 5 keeps $g rather than becoming $f.
(assert_trap (invoke "tinit" (i32.const 5) (i32.const 0) (i32.const 2))
  "out of bounds table access")
(assert_return (invoke "call" (i32.const 5)) (i32.const 2))
(assert_return (invoke "tinit" (i32.const 6) (i32.const 0) (i32.const 0)))
(assert_trap (invoke "tinit" (i32.const 7) (i32.const 0) (i32.const 0))
  "out of bounds table access")

;; -- after elem.drop ---------------------------------------------------------------
(assert_return (invoke "edrop"))
(assert_return (invoke "tinit" (i32.const 0) (i32.const 0) (i32.const 0)))
(assert_trap (invoke "tinit" (i32.const 2) (i32.const 0) (i32.const 1))
  "out of bounds table access")
(assert_trap (invoke "tinit" (i32.const 2) (i32.const 1) (i32.const 0))
  "out of bounds table access")
(assert_trap (invoke "call" (i32.const 2)) "uninitialized element")
(assert_return (invoke "edrop"))
(assert_return (invoke "call" (i32.const 0)) (i32.const 1))

;; -- each instance has its own segment instances ------------------------------------
;; A fresh instance of a module with a passive segment is not affected by
;; another instance's drop.
;; (One module definition, instantiated twice.)
(module definition $Q
  (memory (export "mem") 1)
  (data $p "ab")
  (func (export "minit") (param i32 i32 i32)
    (memory.init $p (local.get 0) (local.get 1) (local.get 2)))
  (func (export "ddrop") (data.drop $p))
  (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0)))
)
(module instance $Q1 $Q)
(module instance $Q2 $Q)
(assert_return (invoke $Q1 "ddrop"))
(assert_trap (invoke $Q1 "minit" (i32.const 0) (i32.const 0) (i32.const 2))
  "out of bounds memory access")
(assert_return (invoke $Q2 "minit" (i32.const 0) (i32.const 0) (i32.const 2)))
(assert_return (invoke $Q2 "load8" (i32.const 1)) (i32.const 0x62))
(assert_return (invoke $Q1 "load8" (i32.const 1)) (i32.const 0))
