;; profiles: 2.0
;;
;; The start function runs after every active and declarative segment has
;; been applied and dropped (Wasm 2.0 4.5.4).  So inside it,
;; memory.init / table.init of an active segment already trap unless
;; n = s = 0, while passive segments are intact.  A start function that
;; traps that way keeps the writes it made before (to imported memories and
;; tables), and the writes of every segment.

(module $M
  (type $r (func (result i32)))
  (memory (export "mem") 1)
  (table (export "tab") 4 funcref)
  (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "call") (param i32) (result i32) (call_indirect (type $r) (local.get 0)))
)
(register "M" $M)

;; -- inside the start function: passive usable, active already dropped -------
(module
  (import "M" "mem" (memory 1))
  (import "M" "tab" (table 4 funcref))
  (func $f (result i32) (i32.const 0x1f))
  (func $g (result i32) (i32.const 0x2f))
  (data $act (i32.const 0) "A")
  (data $pas "PQ")
  (elem $eact (i32.const 0) func $f)
  (elem $epas func $g)
  (func $start
    ;; n = s = 0 on the dropped active segments: allowed
    (memory.init $act (i32.const 0) (i32.const 0) (i32.const 0))
    (table.init $eact (i32.const 0) (i32.const 0) (i32.const 0))
    ;; the passive ones are whole
    (memory.init $pas (i32.const 1) (i32.const 0) (i32.const 2))
    (table.init $epas (i32.const 1) (i32.const 0) (i32.const 1)))
  (start $start)
)
(assert_return (invoke $M "load8" (i32.const 0)) (i32.const 0x41))
(assert_return (invoke $M "load8" (i32.const 1)) (i32.const 0x50))
(assert_return (invoke $M "load8" (i32.const 2)) (i32.const 0x51))
(assert_return (invoke $M "call" (i32.const 0)) (i32.const 0x1f))
(assert_return (invoke $M "call" (i32.const 1)) (i32.const 0x2f))

;; -- memory.init of an active segment in the start function traps -----------
(assert_trap
  (module
    (import "M" "mem" (memory 1))
    (data $act (i32.const 10) "B")
    (data $pas "xy")
    (func $start
      (memory.init $pas (i32.const 11) (i32.const 0) (i32.const 2))
      (memory.init $act (i32.const 20) (i32.const 0) (i32.const 1))
      (i32.store8 (i32.const 21) (i32.const 0xee)))
    (start $start)
  )
  "out of bounds memory access"
)
(assert_return (invoke $M "load8" (i32.const 10)) (i32.const 0x42))
(assert_return (invoke $M "load8" (i32.const 11)) (i32.const 0x78))
(assert_return (invoke $M "load8" (i32.const 12)) (i32.const 0x79))
(assert_return (invoke $M "load8" (i32.const 20)) (i32.const 0))
(assert_return (invoke $M "load8" (i32.const 21)) (i32.const 0))

;; -- table.init of an active segment in the start function traps ------------
(assert_trap
  (module
    (import "M" "tab" (table 4 funcref))
    (func $h (result i32) (i32.const 0x3f))
    (elem $eact (i32.const 2) func $h)
    (func $start
      (table.init $eact (i32.const 3) (i32.const 0) (i32.const 1)))
    (start $start)
  )
  "out of bounds table access"
)
(assert_return (invoke $M "call" (i32.const 2)) (i32.const 0x3f))
(assert_trap (invoke $M "call" (i32.const 3)) "uninitialized element")

;; -- table.init of a declarative segment in the start function traps --------
(assert_trap
  (module
    (import "M" "tab" (table 4 funcref))
    (func $k (result i32) (i32.const 0x4f))
    (elem $decl declare func $k)
    (func $start
      (table.set (i32.const 3) (ref.func $k))
      (table.init $decl (i32.const 0) (i32.const 0) (i32.const 1)))
    (start $start)
  )
  "out of bounds table access"
)
;; table.set before the trap stays; slot 0 is not overwritten.
(assert_return (invoke $M "call" (i32.const 3)) (i32.const 0x4f))
(assert_return (invoke $M "call" (i32.const 0)) (i32.const 0x1f))

;; -- memory.fill / memory.copy in a start function that then traps ------------
(assert_trap
  (module
    (import "M" "mem" (memory 1))
    (func $start
      (memory.fill (i32.const 100) (i32.const 0x5a) (i32.const 4))
      (memory.copy (i32.const 104) (i32.const 10) (i32.const 3))
      (memory.fill (i32.const 65535) (i32.const 0x5b) (i32.const 2)))
    (start $start)
  )
  "out of bounds memory access"
)
(assert_return (invoke $M "load8" (i32.const 103)) (i32.const 0x5a))
(assert_return (invoke $M "load8" (i32.const 104)) (i32.const 0x42))
(assert_return (invoke $M "load8" (i32.const 106)) (i32.const 0x79))
(assert_return (invoke $M "load8" (i32.const 65535)) (i32.const 0))
