;; profiles: 3.0
;;
;; table.grow answers -1 when the table can't grow (spec 4.4.6); on a table
;; whose address type is i64 (memory64 proposal, Wasm 3.0) that -1 is an i64,
;; 0xFFFF_FFFF_FFFF_FFFF, not the i32 -1 zero-extended.  memory.grow is
;; compared alongside, since it follows the same rule.

(module
  (table $t64 i64 1 10 funcref)
  (table $t32 1 10 funcref)
  (memory $m64 i64 1 2)
  (func (export "grow64") (param i64) (result i64)
    (table.grow $t64 (ref.null func) (local.get 0)))
  (func (export "grow32") (param i32) (result i32)
    (table.grow $t32 (ref.null func) (local.get 0)))
  (func (export "size64") (result i64) (table.size $t64))
  (func (export "mem_grow64") (param i64) (result i64)
    (memory.grow $m64 (local.get 0)))
)

(assert_return (invoke "grow64" (i64.const 2)) (i64.const 1))
(assert_return (invoke "size64") (i64.const 3))
;; beyond the declared maximum
(assert_return (invoke "grow64" (i64.const 8)) (i64.const -1))
(assert_return (invoke "grow64" (i64.const 0x1_0000_0000)) (i64.const -1))
(assert_return (invoke "grow64" (i64.const -1)) (i64.const -1))
(assert_return (invoke "size64") (i64.const 3))
(assert_return (invoke "grow64" (i64.const 7)) (i64.const 3))
(assert_return (invoke "grow64" (i64.const 0)) (i64.const 10))
(assert_return (invoke "grow64" (i64.const 1)) (i64.const -1))
;; the i32 table's failure stays an i32
(assert_return (invoke "grow32" (i32.const 10)) (i32.const -1))
(assert_return (invoke "mem_grow64" (i64.const 2)) (i64.const -1))

;; a maximum beyond 32 bits: a delta past it fails, whatever its high bits
(module
  (table $t i64 0 0x1_0000_0000 funcref)
  (func (export "grow") (param i64) (result i64)
    (table.grow $t (ref.null func) (local.get 0)))
)
(assert_return (invoke "grow" (i64.const 0xFFFF_FFFF_FFFF_FFFF)) (i64.const -1))
(assert_return (invoke "grow" (i64.const 0x1_0000_0001)) (i64.const -1))
(assert_return (invoke "grow" (i64.const 1)) (i64.const 0))
