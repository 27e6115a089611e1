;; profiles: mvp
;;
;; Wasm 1.0 (4.5.4 steps 9-15): every element segment and every data segment
;; is checked first; if any does not fit, instantiation fails with a link
;; error and *nothing* is written - not the element segments (written before
;; data segments when all fit), not the earlier data segments - and the
;; start function does not run.  Observed through the memory and table of
;; the module that owns them.  Compare segment_failure.2.0.wast.

(module $M
  (type $r (func (result i32)))
  (memory (export "mem") 1)
  (table (export "tab") 4 funcref)
  (global $marks (export "marks") (mut i32) (i32.const 0))
  (func (export "mark") (global.set $marks (i32.add (global.get $marks) (i32.const 1))))
  (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "call") (param i32) (result i32) (call_indirect (type $r) (local.get 0)))
)
(register "M" $M)

;; -- the element segment fits, a data segment does not -----------------------------
(assert_unlinkable
  (module
    (import "M" "mem" (memory 1))
    (import "M" "tab" (table 4 funcref))
    (func $f (result i32) (i32.const 1))
    (elem (i32.const 0) $f)
    (data (i32.const 0) "d")
    (data (i32.const 65536) "x")
  )
  "data segment does not fit"
)
(assert_trap (invoke $M "call" (i32.const 0)) "uninitialized element")
(assert_return (invoke $M "load8" (i32.const 0)) (i32.const 0))

;; -- a data segment fits, the element segment does not --------------------------------
(assert_unlinkable
  (module
    (import "M" "mem" (memory 1))
    (import "M" "tab" (table 4 funcref))
    (func $f (result i32) (i32.const 1))
    (data (i32.const 0) "d")
    (elem (i32.const 0) $f)
    (elem (i32.const 4) $f)
  )
  "elements segment does not fit"
)
(assert_return (invoke $M "load8" (i32.const 0)) (i32.const 0))
(assert_trap (invoke $M "call" (i32.const 0)) "uninitialized element")

;; -- several data segments, the last one fails ---------------------------------------
(assert_unlinkable
  (module
    (import "M" "mem" (memory 1))
    (data (i32.const 10) "aa")
    (data (i32.const 12) "bb")
    (data (i32.const 14) "cc")
    (data (i32.const 65535) "dd")
  )
  "data segment does not fit"
)
(assert_return (invoke $M "load8" (i32.const 10)) (i32.const 0))
(assert_return (invoke $M "load8" (i32.const 12)) (i32.const 0))
(assert_return (invoke $M "load8" (i32.const 14)) (i32.const 0))
(assert_return (invoke $M "load8" (i32.const 65535)) (i32.const 0))

;; -- several element segments, the last one fails ------------------------------------------
(assert_unlinkable
  (module
    (import "M" "tab" (table 4 funcref))
    (func $f (result i32) (i32.const 1))
    (func $g (result i32) (i32.const 2))
    (elem (i32.const 0) $f)
    (elem (i32.const 1) $g $g)
    (elem (i32.const 3) $f $g)
  )
  "elements segment does not fit"
)
(assert_trap (invoke $M "call" (i32.const 0)) "uninitialized element")
(assert_trap (invoke $M "call" (i32.const 1)) "uninitialized element")
(assert_trap (invoke $M "call" (i32.const 3)) "uninitialized element")

;; -- overlapping segments, the last one fails: the overlap isn't written either ----------
(assert_unlinkable
  (module
    (import "M" "mem" (memory 1))
    (data (i32.const 20) "aaaa")
    (data (i32.const 22) "bbbb")
    (data (i32.const 0x10000) "c")
  )
  "data segment does not fit"
)
(assert_return (invoke $M "load8" (i32.const 20)) (i32.const 0))
(assert_return (invoke $M "load8" (i32.const 23)) (i32.const 0))

;; -- both an element and a data segment misfit: the element segment's ----------
;; failure is the one reported, whatever the order in the text, since element
;; segments are dealt with first.
(assert_unlinkable
  (module
    (import "M" "mem" (memory 1))
    (import "M" "tab" (table 4 funcref))
    (data (i32.const 65536) "x")
    (elem (i32.const 5))
  )
  "elements segment does not fit"
)

;; -- the start function does not run ----------------------------------------------------
;; It would store to memory and call $M's "mark".
(assert_unlinkable
  (module
    (import "M" "mem" (memory 1))
    (import "M" "mark" (func $mark))
    (func $start (call $mark) (i32.store8 (i32.const 40) (i32.const 1)))
    (start $start)
    (data (i32.const 0x10000) "x")
  )
  "data segment does not fit"
)
(assert_unlinkable
  (module
    (import "M" "tab" (table 4 funcref))
    (import "M" "mem" (memory 1))
    (import "M" "mark" (func $mark))
    (func $start (call $mark) (i32.store8 (i32.const 40) (i32.const 1)))
    (start $start)
    (elem (i32.const 5))
  )
  "elements segment does not fit"
)
;; Not even when the start function is itself an import.
(assert_unlinkable
  (module
    (import "M" "mark" (func $mark))
    (memory 0)
    (start $mark)
    (data (i32.const 0) "x")
  )
  "data segment does not fit"
)
(assert_return (get $M "marks") (i32.const 0))
(assert_return (invoke $M "load8" (i32.const 40)) (i32.const 0))

;; -- control: the same module with every segment in bounds writes everything ------------------
(module
  (import "M" "mem" (memory 1))
  (import "M" "tab" (table 4 funcref))
  (import "M" "mark" (func $mark))
  (func $f (result i32) (i32.const 1))
  (func $g (result i32) (i32.const 2))
  (func $start (call $mark) (i32.store8 (i32.const 40) (i32.const 1)))
  (start $start)
  (elem (i32.const 0) $f)
  (elem (i32.const 1) $g $g)
  (data (i32.const 10) "aa")
  (data (i32.const 65535) "d")
)
(assert_return (invoke $M "call" (i32.const 0)) (i32.const 1))
(assert_return (invoke $M "call" (i32.const 2)) (i32.const 2))
(assert_return (invoke $M "load8" (i32.const 10)) (i32.const 0x61))
(assert_return (invoke $M "load8" (i32.const 65535)) (i32.const 0x64))
(assert_return (invoke $M "load8" (i32.const 40)) (i32.const 1))
(assert_return (get $M "marks") (i32.const 1))
