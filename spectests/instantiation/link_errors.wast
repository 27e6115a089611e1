;; profiles: mvp 2.0
;;
;; Imports are resolved and matched before anything is allocated or written
;; (Wasm 1.0 and 2.0 4.5.4 steps 1-4): when an import is missing ("unknown
;; import") or mismatched ("incompatible import type"), instantiation fails
;; without running a single segment, in both generations - even in Wasm 2.0,
;; where a segment trap keeps earlier writes - and without running the start
;; function.  The failing import is listed after the memory and table ones.

(module $M
  (type $r (func (result i32)))
  (memory (export "mem") 1 2)
  (table (export "tab") 4 funcref)
  (global (export "g") i32 (i32.const 3))
  (global $marks (export "marks") (mut i32) (i32.const 0))
  (func (export "mark") (global.set $marks (i32.add (global.get $marks) (i32.const 1))))
  (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "call") (param i32) (result i32) (call_indirect (type $r) (local.get 0)))
)
(register "M" $M)

(assert_unlinkable
  (module
    (import "M" "mem" (memory 1))
    (import "M" "tab" (table 4 funcref))
    (import "M" "mark" (func $mark))
    (import "M" "no such global" (global i32))
    (func $f (result i32) (i32.const 1))
    (elem (i32.const 0) $f)
    (data (i32.const 0) "a")
    (start $mark)
  )
  "unknown import"
)
;; A global of the wrong type.
(assert_unlinkable
  (module
    (import "M" "mem" (memory 1))
    (import "M" "tab" (table 4 funcref))
    (import "M" "mark" (func $mark))
    (import "M" "g" (global i64))
    (func $f (result i32) (i32.const 1))
    (elem (i32.const 0) $f)
    (data (i32.const 0) "a")
    (start $mark)
  )
  "incompatible import type"
)
;; A function of the wrong type.
(assert_unlinkable
  (module
    (import "M" "mem" (memory 1))
    (import "M" "tab" (table 4 funcref))
    (import "M" "mark" (func $mark))
    (import "M" "load8" (func (param i64) (result i32)))
    (func $f (result i32) (i32.const 1))
    (elem (i32.const 0) $f)
    (data (i32.const 0) "a")
    (start $mark)
  )
  "incompatible import type"
)
;; A memory whose maximum (2) exceeds the import's (1).
(assert_unlinkable
  (module
    (import "M" "tab" (table 4 funcref))
    (import "M" "mark" (func $mark))
    (import "M" "mem" (memory 1 1))
    (func $f (result i32) (i32.const 1))
    (elem (i32.const 0) $f)
    (data (i32.const 0) "a")
    (start $mark)
  )
  "incompatible import type"
)
;; A table whose size (4) is below the import's minimum (5).
(assert_unlinkable
  (module
    (import "M" "mem" (memory 1))
    (import "M" "mark" (func $mark))
    (import "M" "tab" (table 5 funcref))
    (func $f (result i32) (i32.const 1))
    (elem (i32.const 0) $f)
    (data (i32.const 0) "a")
    (start $mark)
  )
  "incompatible import type"
)
(assert_return (invoke $M "load8" (i32.const 0)) (i32.const 0))
(assert_trap (invoke $M "call" (i32.const 0)) "uninitialized element")
(assert_return (get $M "marks") (i32.const 0))

;; Control: with the imports right, the same module writes and starts.
(module
  (import "M" "mem" (memory 1))
  (import "M" "tab" (table 4 funcref))
  (import "M" "mark" (func $mark))
  (import "M" "g" (global i32))
  (func $f (result i32) (i32.const 1))
  (elem (i32.const 0) $f)
  (data (i32.const 0) "a")
  (start $mark)
)
(assert_return (invoke $M "load8" (i32.const 0)) (i32.const 0x61))
(assert_return (invoke $M "call" (i32.const 0)) (i32.const 1))
(assert_return (get $M "marks") (i32.const 1))
