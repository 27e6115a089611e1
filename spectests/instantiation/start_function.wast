;; profiles: mvp 2.0
;;
;; The start function (Wasm 1.0 4.5.4 step 15, and the last
;; step of Wasm 2.0 4.5.4) runs last:
;; after globals are initialised and after every element and data segment
;; has been written.  What it writes is visible afterwards; if it traps, the
;; instantiation fails (assert_trap on the module) but everything already
;; written to imported memories, tables and globals stays - the segments'
;; writes and its own - and the functions it left in an imported table stay
;; callable.  (That a start function does not run when a segment fails is in
;; segment_failure.*.)

(module $M
  (type $r (func (result i32)))
  (memory (export "mem") 1)
  (table (export "tab") 4 funcref)
  (global $count (export "count") (mut i32) (i32.const 0))
  (func (export "bump") (global.set $count (i32.add (global.get $count) (i32.const 1))))
  (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "call") (param i32) (result i32) (call_indirect (type $r) (local.get 0)))
)
(register "M" $M)

;; -- the start function's writes are visible -------------------------------
;; It reads what the data segment and the element segment wrote, so it must
;; run after both; and what it stores shows it ran exactly once.
(module $A
  (type $r (func (result i32)))
  (import "M" "mem" (memory 1))
  (import "M" "tab" (table 4 funcref))
  (import "M" "bump" (func $bump))
  (func $five (result i32) (i32.const 5))
  (data (i32.const 0) "\2a")
  (elem (i32.const 0) $five)
  (func $start
    (call $bump)
    ;; mem[1] = mem[0] + 1 (0x2b), mem[2] = table[0]() (5)
    (i32.store8 (i32.const 1) (i32.add (i32.load8_u (i32.const 0)) (i32.const 1)))
    (i32.store8 (i32.const 2) (call_indirect (type $r) (i32.const 0))))
  (start $start)
)
(assert_return (get $M "count") (i32.const 1))
(assert_return (invoke $M "load8" (i32.const 1)) (i32.const 0x2b))
(assert_return (invoke $M "load8" (i32.const 2)) (i32.const 5))

;; -- the start function sees the module's globals initialised ----------------
(module $B
  (import "spectest" "global_i32" (global $g666 i32))
  (import "M" "mem" (memory 1))
  (global $copy i32 (global.get $g666))
  (global $m (export "m") (mut i32) (i32.const 10))
  (func $start
    (i32.store16 (i32.const 4) (global.get $copy))     ;; 666 = 0x029a
    (global.set $m (i32.add (global.get $m) (i32.const 1))))
  (start $start)
)
(assert_return (invoke $M "load8" (i32.const 4)) (i32.const 0x9a))
(assert_return (invoke $M "load8" (i32.const 5)) (i32.const 0x02))
;; The exported mutable global shows the start function's write, not its
;; initial value.
(assert_return (get $B "m") (i32.const 11))

;; -- an imported function as the start function ------------------------------
(module
  (import "M" "bump" (func $bump))
  (start $bump)
)
(assert_return (get $M "count") (i32.const 2))

;; -- a start function that writes, then traps --------------------------------
(assert_trap
  (module
    (type $r (func (result i32)))
    (import "M" "mem" (memory 1))
    (import "M" "tab" (table 4 funcref))
    (import "M" "bump" (func $bump))
    (global $g (mut i32) (i32.const 0x60))
    (func $six (result i32) (i32.const 6))
    (func $reads_own_global (result i32) (global.get $g))
    (data (i32.const 10) "hello")
    (elem (i32.const 1) $six $reads_own_global)
    (func $start
      (call $bump)
      (i32.store8 (i32.const 20) (i32.const 0x77))
      (global.set $g (i32.const 0x61))
      (unreachable)
      (i32.store8 (i32.const 21) (i32.const 0x78)))
    (start $start)
  )
  "unreachable"
)
;; The segments' writes and the start function's writes before the trap stay.
(assert_return (invoke $M "load8" (i32.const 10)) (i32.const 0x68))  ;; 'h'
(assert_return (invoke $M "load8" (i32.const 14)) (i32.const 0x6f))  ;; 'o'
(assert_return (invoke $M "load8" (i32.const 20)) (i32.const 0x77))
(assert_return (invoke $M "load8" (i32.const 21)) (i32.const 0))
(assert_return (get $M "count") (i32.const 3))
;; The failed instance's functions are still in the table, and callable; the
;; second reads the failed instance's own global, as its start function set it.
(assert_return (invoke $M "call" (i32.const 1)) (i32.const 6))
(assert_return (invoke $M "call" (i32.const 2)) (i32.const 0x61))
;; Slot 0 still holds $A's function.
(assert_return (invoke $M "call" (i32.const 0)) (i32.const 5))

;; -- a start function trapping otherwise ---------------------------------------
(assert_trap
  (module
    (import "M" "mem" (memory 1))
    (func $start
      (i32.store8 (i32.const 30) (i32.const 0x31))
      (drop (i32.div_u (i32.const 1) (i32.const 0))))
    (start $start)
  )
  "integer divide by zero"
)
(assert_return (invoke $M "load8" (i32.const 30)) (i32.const 0x31))

;; A start function whose trap is an out-of-bounds store: the earlier store
;; stays, the trapping one writes nothing (not even its in-bounds bytes).
(assert_trap
  (module
    (import "M" "mem" (memory 1))
    (func $start
      (i32.store8 (i32.const 31) (i32.const 0x32))
      (i32.store (i32.const 65534) (i32.const 0x34333231)))
    (start $start)
  )
  "out of bounds memory access"
)
(assert_return (invoke $M "load8" (i32.const 31)) (i32.const 0x32))
(assert_return (invoke $M "load8" (i32.const 65534)) (i32.const 0))
(assert_return (invoke $M "load8" (i32.const 65535)) (i32.const 0))
