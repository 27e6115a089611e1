;; profiles: 2.0
;;
;; Wasm 2.0 (4.5.4 Instantiation): each active element segment is applied as
;; table.init + elem.drop, in order, then each active data segment as
;; memory.init + data.drop, in order, then the start function runs.  A
;; segment that does not fit traps; what earlier segments wrote stays, the
;; failing segment writes nothing (memory.init and table.init check their
;; bounds before writing), later segments are not applied and the start
;; function does not run.  Compare segment_failure.mvp.wast.

(module $M
  (type $r (func (result i32)))
  (memory (export "mem") 1)
  (table (export "tab") 4 funcref)
  (global $marks (export "marks") (mut i32) (i32.const 0))
  (func (export "mark") (global.set $marks (i32.add (global.get $marks) (i32.const 1))))
  (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "call") (param i32) (result i32) (call_indirect (type $r) (local.get 0)))
  (func (export "reset")
    (memory.fill (i32.const 0) (i32.const 0) (i32.const 0x10000))
    (table.fill (i32.const 0) (ref.null func) (i32.const 4)))
)
(register "M" $M)

;; -- the element segment fits, a data segment does not --------------------------------
;; The table write stays, the first data segment's too.
(assert_trap
  (module
    (import "M" "mem" (memory 1))
    (import "M" "tab" (table 4 funcref))
    (func $f (result i32) (i32.const 1))
    (elem (i32.const 0) $f)
    (data (i32.const 0) "d")
    (data (i32.const 65536) "x")
  )
  "out of bounds memory access"
)
(assert_return (invoke $M "call" (i32.const 0)) (i32.const 1))
(assert_return (invoke $M "load8" (i32.const 0)) (i32.const 0x64))
(invoke $M "reset")

;; -- a data segment fits, an element segment does not ----------------------------------
;; Element segments run first: the data segment, listed first, is not written;
;; the element segment before the failing one is.
(assert_trap
  (module
    (import "M" "mem" (memory 1))
    (import "M" "tab" (table 4 funcref))
    (func $f (result i32) (i32.const 1))
    (data (i32.const 0) "d")
    (elem (i32.const 0) $f)
    (elem (i32.const 4) $f)
  )
  "out of bounds table access"
)
(assert_return (invoke $M "load8" (i32.const 0)) (i32.const 0))
(assert_return (invoke $M "call" (i32.const 0)) (i32.const 1))
(invoke $M "reset")

;; -- several data segments, the last one fails --------------------------------------------
(assert_trap
  (module
    (import "M" "mem" (memory 1))
    (data (i32.const 10) "aa")
    (data (i32.const 12) "bb")
    (data (i32.const 14) "cc")
    (data (i32.const 65535) "dd")
    (data (i32.const 16) "ee")
  )
  "out of bounds memory access"
)
(assert_return (invoke $M "load8" (i32.const 10)) (i32.const 0x61))
(assert_return (invoke $M "load8" (i32.const 12)) (i32.const 0x62))
(assert_return (invoke $M "load8" (i32.const 15)) (i32.const 0x63))
(assert_return (invoke $M "load8" (i32.const 16)) (i32.const 0))
(assert_return (invoke $M "load8" (i32.const 65535)) (i32.const 0))

;; -- several element segments, a middle one fails ---------------------------------------------
(assert_trap
  (module
    (import "M" "tab" (table 4 funcref))
    (func $f (result i32) (i32.const 1))
    (func $g (result i32) (i32.const 2))
    (func $h (result i32) (i32.const 3))
    (elem (i32.const 0) $f)
    (elem (i32.const 1) $g)
    (elem (i32.const 3) $f $g)
    (elem (i32.const 2) $h)
  )
  "out of bounds table access"
)
(assert_return (invoke $M "call" (i32.const 0)) (i32.const 1))
(assert_return (invoke $M "call" (i32.const 1)) (i32.const 2))
(assert_trap (invoke $M "call" (i32.const 2)) "uninitialized element")
(assert_trap (invoke $M "call" (i32.const 3)) "uninitialized element")
(invoke $M "reset")

;; -- overlapping segments, then a failing one: the overlap is resolved, later wins ----------
(assert_trap
  (module
    (import "M" "mem" (memory 1))
    (data (i32.const 20) "aaaa")
    (data (i32.const 22) "bbbb")
    (data (i32.const 0x10000) "c")
  )
  "out of bounds memory access"
)
(assert_return (invoke $M "load8" (i32.const 21)) (i32.const 0x61))
(assert_return (invoke $M "load8" (i32.const 22)) (i32.const 0x62))
(assert_return (invoke $M "load8" (i32.const 25)) (i32.const 0x62))

;; -- both an element and a data segment misfit: the element segment's ----------
;; failure is the one reported, whatever the order in the text, since element
;; segments are dealt with first.
(assert_trap
  (module
    (import "M" "mem" (memory 1))
    (import "M" "tab" (table 4 funcref))
    (data (i32.const 65536) "x")
    (elem (i32.const 5))
  )
  "out of bounds table access"
)

;; -- the start function does not run ----------------------------------------------------
;; It would store to memory and call $M's "mark".
(assert_trap
  (module
    (import "M" "mem" (memory 1))
    (import "M" "mark" (func $mark))
    (func $start (call $mark) (i32.store8 (i32.const 40) (i32.const 1)))
    (start $start)
    (data (i32.const 0x10000) "x")
  )
  "out of bounds memory access"
)
(assert_trap
  (module
    (import "M" "tab" (table 4 funcref))
    (import "M" "mem" (memory 1))
    (import "M" "mark" (func $mark))
    (func $start (call $mark) (i32.store8 (i32.const 40) (i32.const 1)))
    (start $start)
    (elem (i32.const 5))
  )
  "out of bounds table access"
)
;; Not even when the start function is itself an import.
(assert_trap
  (module
    (import "M" "mark" (func $mark))
    (memory 0)
    (start $mark)
    (data (i32.const 0) "x")
  )
  "out of bounds memory access"
)
(assert_return (get $M "marks") (i32.const 0))
(assert_return (invoke $M "load8" (i32.const 40)) (i32.const 0))

;; -- control: with every segment in bounds, the start function runs -------------------------
(module
  (import "M" "mem" (memory 1))
  (import "M" "tab" (table 4 funcref))
  (import "M" "mark" (func $mark))
  (func $f (result i32) (i32.const 7))
  (func $start (call $mark) (i32.store8 (i32.const 40) (i32.const 1)))
  (start $start)
  (elem (i32.const 3) $f)
  (data (i32.const 65535) "d")
)
(assert_return (invoke $M "call" (i32.const 3)) (i32.const 7))
(assert_return (invoke $M "load8" (i32.const 65535)) (i32.const 0x64))
(assert_return (invoke $M "load8" (i32.const 40)) (i32.const 1))
(assert_return (get $M "marks") (i32.const 1))
