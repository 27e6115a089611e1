;; profiles: 2.0
;;
;; When instantiation drops a declarative element segment.  Wasm 2.0's prose
;; (4.5.4 steps 14-15) drops declarative segments after all active ones are
;; applied; its formal rule (runelem_i, applied in index order), Wasm 3.0,
;; the OCaml interpreter, wasmtime and wabt drop each in index order, among
;; the active ones.  The difference is observable when an active segment
;; after a declarative one traps: a function the failed instance left in an
;; imported table can table.init from the declarative segment, which traps
;; if it was dropped (index order) and succeeds if not (2.0's prose).

(module $T
  (type $r (func (result i32)))
  (table (export "tab") 4 funcref)
  (func (export "call") (param i32) (result i32) (call_indirect (type $r) (local.get 0)))
  (func (export "is_null") (param i32) (result i32) (ref.is_null (table.get (local.get 0))))
)
(register "T" $T)

;; Segment 0 (active) writes $peek, segment 1 (declarative) is dropped in
;; index order, segment 2 (active) does not fit: instantiation traps.
(assert_trap
  (module
    (type $r (func (result i32)))
    (import "T" "tab" (table $t 4 funcref))
    (func $peek (result i32)
      (table.init $t $decl (i32.const 1) (i32.const 0) (i32.const 1))
      (i32.const 1))
    (elem (table $t) (i32.const 0) func $peek)
    (elem $decl declare func $peek)
    (elem (table $t) (i32.const 4) func $peek)
  )
  "out of bounds table access"
)
(assert_return (invoke $T "is_null" (i32.const 0)) (i32.const 0))
;; The declarative segment 1 was dropped before segment 2 trapped.
(assert_trap (invoke $T "call" (i32.const 0)) "out of bounds table access")
(assert_return (invoke $T "is_null" (i32.const 1)) (i32.const 1))
