;; profiles: 2.0
;;
;; Reference values in globals and segments (Wasm 2.0): global initialisers
;; (4.5.4, evaluated before any segment) may be ref.null and
;; ref.func of any function of the module - imported or defined, before or
;; after the global - and global.get of an imported global.  Element
;; segments' expressions (4.5.4, evaluated into element instances before
;; any table write) may be the same; ref.null entries overwrite what a table
;; slot held.  A funcref carried through a global is the same function: its
;; module's state is the one it reads.

(module $M
  (type $r (func (result i32)))
  (func $one (export "one") (result i32) (i32.const 1))
  (func $two (result i32) (i32.const 2))
  (global (export "gtwo") funcref (ref.func $two))
  (global (export "gnull") funcref (ref.null func))
  (global (export "gext") externref (ref.null extern))
  (table (export "tab") 10 funcref)
  (func (export "call") (param i32) (result i32) (call_indirect (type $r) (local.get 0)))
  (func (export "is null") (param i32) (result i32) (ref.is_null (table.get (local.get 0))))
)
(register "M" $M)
(assert_return (get $M "gnull") (ref.null func))
(assert_return (get $M "gext") (ref.null extern))

(module $N
  (type $r (func (result i32)))
  (import "M" "gtwo" (global $gtwo funcref))
  (import "M" "gnull" (global $gnull funcref))
  (import "M" "one" (func $one (result i32)))
  (import "M" "tab" (table 10 funcref))
  ;; a global referring to a function defined after it
  (global $g3 funcref (ref.func $three))
  (global $g1 funcref (ref.func $one))
  (global $gcopy funcref (global.get $gtwo))
  (global $gnull' funcref (global.get $gnull))
  (global $mut (mut funcref) (ref.null func))
  (func $three (result i32) (i32.const 3))
  (table $own 1 funcref)
  ;; slots 0-4: $two (via the imported global), $three, null, $one, null
  (elem (i32.const 0) funcref
    (global.get $gtwo) (ref.func $three) (ref.null func) (ref.func $one) (global.get $gnull))
  ;; call what a global holds, through a table of its own
  (func $via (param funcref) (result i32)
    (table.set $own (i32.const 0) (local.get 0))
    (call_indirect $own (type $r) (i32.const 0)))
  (func (export "g3") (result i32) (call $via (global.get $g3)))
  (func (export "g1") (result i32) (call $via (global.get $g1)))
  (func (export "gcopy") (result i32) (call $via (global.get $gcopy)))
  (func (export "gnull'") (result i32) (call $via (global.get $gnull')))
  (func (export "mut") (result i32) (call $via (global.get $mut)))
  (func (export "set mut")
    (global.set $mut (table.get (i32.const 1))))
)
(assert_return (invoke $N "g3") (i32.const 3))
(assert_return (invoke $N "g1") (i32.const 1))
(assert_return (invoke $N "gcopy") (i32.const 2))
(assert_trap (invoke $N "gnull'") "uninitialized element")
(assert_trap (invoke $N "mut") "uninitialized element")
(assert_return (invoke $N "set mut"))
(assert_return (invoke $N "mut") (i32.const 3))

(assert_return (invoke $M "call" (i32.const 0)) (i32.const 2))
(assert_return (invoke $M "call" (i32.const 1)) (i32.const 3))
(assert_return (invoke $M "is null" (i32.const 2)) (i32.const 1))
(assert_trap (invoke $M "call" (i32.const 2)) "uninitialized element")
(assert_return (invoke $M "call" (i32.const 3)) (i32.const 1))
(assert_return (invoke $M "is null" (i32.const 4)) (i32.const 1))
(assert_return (invoke $M "is null" (i32.const 5)) (i32.const 1))

;; ref.null in an element segment overwrites: slots 0 and 1 held functions.
(module
  (import "M" "tab" (table 10 funcref))
  (func $nine (result i32) (i32.const 9))
  (elem (i32.const 0) funcref (ref.null func) (ref.func $nine))
)
(assert_return (invoke $M "is null" (i32.const 0)) (i32.const 1))
(assert_trap (invoke $M "call" (i32.const 0)) "uninitialized element")
(assert_return (invoke $M "call" (i32.const 1)) (i32.const 9))

;; A funcref from a global keeps its instance: $K's function reads $K's
;; global, wherever it is called from.
(module $K
  (global $state (mut i32) (i32.const 100))
  (func $read (result i32) (global.get $state))
  (func (export "set") (param i32) (global.set $state (local.get 0)))
  (global (export "read") funcref (ref.func $read))
)
(register "K" $K)
(module
  (import "K" "read" (global $r funcref))
  (import "M" "tab" (table 10 funcref))
  (elem (i32.const 6) funcref (global.get $r))
)
(assert_return (invoke $M "call" (i32.const 6)) (i32.const 100))
(assert_return (invoke $K "set" (i32.const 123)))
(assert_return (invoke $M "call" (i32.const 6)) (i32.const 123))

;; A segment taken from an imported global is written even when a later
;; segment (from the same global) traps: the reference written is the
;; global's function, bound to $K's current state.
(assert_trap
  (module
    (import "K" "read" (global $r funcref))
    (import "M" "tab" (table 10 funcref))
    (elem (i32.const 7) funcref (global.get $r))
    (elem (i32.const 10) funcref (global.get $r))
  )
  "out of bounds table access"
)
(assert_return (invoke $M "call" (i32.const 7)) (i32.const 123))

;; A global of type externref initialised from an imported one.
(module $X
  (import "M" "gext" (global $e externref))
  (global (export "e'") externref (global.get $e))
)
(assert_return (get $X "e'") (ref.null extern))

;; -- externref tables take active segments of externref expressions -----------
(module $E
  (table $e (export "etab") 3 externref)
  (func (export "get") (param i32) (result externref) (table.get $e (local.get 0)))
  (func (export "set") (param i32 externref) (table.set $e (local.get 0) (local.get 1)))
)
(register "E" $E)
(assert_return (invoke $E "set" (i32.const 1) (ref.extern 11)))
(assert_return (invoke $E "set" (i32.const 2) (ref.extern 12)))
(assert_return (invoke $E "get" (i32.const 1)) (ref.extern 11))
;; A segment of one null at slot 1, from an imported global: slot 1 is
;; overwritten, slot 2 is not.
(module
  (import "M" "gext" (global $n externref))
  (import "E" "etab" (table 3 externref))
  (elem (i32.const 1) externref (global.get $n))
)
(assert_return (invoke $E "get" (i32.const 1)) (ref.null extern))
(assert_return (invoke $E "get" (i32.const 2)) (ref.extern 12))
;; Past the end: traps, and the slot before the failing segment's is kept.
(assert_trap
  (module
    (import "E" "etab" (table 3 externref))
    (elem (i32.const 2) externref (ref.null extern) (ref.null extern))
  )
  "out of bounds table access"
)
(assert_return (invoke $E "get" (i32.const 2)) (ref.extern 12))
