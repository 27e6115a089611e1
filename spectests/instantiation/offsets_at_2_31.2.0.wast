;; profiles: 2.0
;;
;; i32 data and element offsets at and beyond 2^31 are unsigned (wasmtime#7559:
;; wasmtime 14 sign-extended a data offset >= 2^31 and failed to instantiate
;; a module whose segment fits; found by the instantiation-sequence
;; campaigns against wasmtime-py 14.0.0, docs/fuzzing.md).  A memory of
;; 32769 pages is the smallest in which such an offset is in bounds.

(module
  (memory 32769)
  (data (i32.const 0x80000000) "\2a")
  (data (i32.const 0x8000ffff) "\07")
  (data (i32.const 0x80010000) "")  ;; empty, at the end
  (func (export "load") (param i32) (result i32) (i32.load8_u (local.get 0))))
(assert_return (invoke "load" (i32.const 0x80000000)) (i32.const 0x2a))
(assert_return (invoke "load" (i32.const 0x8000ffff)) (i32.const 7))
(assert_return (invoke "load" (i32.const 0x7fffffff)) (i32.const 0))
(assert_trap (invoke "load" (i32.const 0x80010000)) "out of bounds memory access")

;; One byte past the end, at and beyond 2^31: out of bounds, not wrapped.
(assert_trap
  (module (memory 32769) (data (i32.const 0x80010000) "\01"))
  "out of bounds memory access")
(assert_trap
  (module (memory 1) (data (i32.const 0x80000000) "\01"))
  "out of bounds memory access")
(assert_trap
  (module (memory 1) (data (i32.const 0xffffffff) "\01"))
  "out of bounds memory access")

;; The same offsets in memory.init from a passive segment.
(module
  (memory 32769)
  (data $d "\05\06")
  (func (export "init") (param i32) (memory.init $d (local.get 0) (i32.const 0) (i32.const 2)))
  (func (export "load") (param i32) (result i32) (i32.load8_u (local.get 0))))
(assert_return (invoke "init" (i32.const 0x8000fffe)))
(assert_return (invoke "load" (i32.const 0x8000ffff)) (i32.const 6))
(assert_trap (invoke "init" (i32.const 0x8000ffff)) "out of bounds memory access")

;; Element offsets >= 2^31 are out of bounds of any table.
(assert_trap
  (module (table 1 funcref) (func $f) (elem (i32.const 0x80000000) $f))
  "out of bounds table access")
