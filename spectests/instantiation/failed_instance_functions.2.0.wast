;; profiles: 2.0
;;
;; A Wasm 2.0 instantiation that traps in a segment leaves the instance's
;; earlier effects in the store (4.5.4: the segments are instructions run one
;; after the other; a trap ends the run, not what it did).  Functions that an
;; element segment put into an imported table stay there and stay callable,
;; and they run against the failed instance's own state: its globals, its
;; own memory (with the data segments applied before the trap), and its
;; passive segments (never touched by instantiation).

(module $M
  (type $r (func (result i32)))
  (memory (export "mem") 1)
  (table (export "tab") 8 funcref)
  (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "call") (param i32) (result i32) (call_indirect (type $r) (local.get 0)))
)
(register "M" $M)

;; -- functions over the failed instance's own memory and globals ---------------
(assert_trap
  (module
    (import "M" "tab" (table 8 funcref))
    (memory 1)
    (global $g (mut i32) (i32.const 40))
    (func $read (result i32) (i32.load8_u (i32.const 0)))
    (func $read2 (result i32) (i32.load8_u (i32.const 1)))
    (func $bump (result i32)
      (global.set $g (i32.add (global.get $g) (i32.const 1)))
      (global.get $g))
    (func $size (result i32) (memory.size))
    (elem (i32.const 0) $read $read2 $bump $size)
    (data (i32.const 0) "h")
    (data (i32.const 65536) "x")   ;; traps
    (data (i32.const 1) "i")       ;; never applied
  )
  "out of bounds memory access"
)
(assert_return (invoke $M "call" (i32.const 0)) (i32.const 0x68))
(assert_return (invoke $M "call" (i32.const 1)) (i32.const 0))
(assert_return (invoke $M "call" (i32.const 2)) (i32.const 41))
(assert_return (invoke $M "call" (i32.const 2)) (i32.const 42))
(assert_return (invoke $M "call" (i32.const 3)) (i32.const 1))

;; -- a function of the failed instance copies its passive segment --------------
;; into the imported memory: passive segments survive the failure.
(assert_trap
  (module
    (import "M" "tab" (table 8 funcref))
    (import "M" "mem" (memory 1))
    (data $p "PASSIVE")
    (func $copy (result i32)
      (memory.init $p (i32.const 200) (i32.const 0) (i32.const 7))
      (i32.const 7))
    (elem (i32.const 4) $copy)
    (data (i32.const 100) "a")
    (data (i32.const 0xffff) "zz")  ;; traps
  )
  "out of bounds memory access"
)
(assert_return (invoke $M "load8" (i32.const 100)) (i32.const 0x61))
(assert_return (invoke $M "load8" (i32.const 200)) (i32.const 0))
(assert_return (invoke $M "call" (i32.const 4)) (i32.const 7))
(assert_return (invoke $M "load8" (i32.const 200)) (i32.const 0x50))
(assert_return (invoke $M "load8" (i32.const 206)) (i32.const 0x45))

;; -- a later element segment traps: the earlier one's functions stay ---------------
(assert_trap
  (module
    (import "M" "tab" (table 8 funcref))
    (global $k i32 (i32.const 0x5a))
    (func $k (result i32) (global.get $k))
    (elem (i32.const 5) $k)
    (elem (i32.const 8) $k)  ;; traps
  )
  "out of bounds table access"
)
(assert_return (invoke $M "call" (i32.const 5)) (i32.const 0x5a))

;; -- calling into the failed instance from another module ----------------------
;; A later module imports the table and calls the survivors indirectly.
(module $N
  (type $r (func (result i32)))
  (import "M" "tab" (table 8 funcref))
  (func (export "sum") (result i32)
    (i32.add
      (call_indirect (type $r) (i32.const 0))
      (call_indirect (type $r) (i32.const 5))))
)
(assert_return (invoke $N "sum") (i32.const 0xc2))  ;; 0x68 + 0x5a
