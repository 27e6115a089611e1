;; profiles: 2.0
;;
;; Wasm 2.0: an active segment is applied as memory.init / table.init
;; (4.5.4), which traps if d + n > size (4.4.7 memory.init,
;; 4.4.6 table.init).  So a zero-length segment at
;; offset = size is fine (zero_length_at_end.wast) but at size + 1 it traps
;; ("out of bounds memory access" / "out of bounds table access"), and the
;; segments applied before it stay written.  Compare zero_length_past_end.mvp.

(module $M
  (type $r (func (result i32)))
  (memory (export "mem") 1)
  (table (export "tab") 4 funcref)
  (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "call") (param i32) (result i32) (call_indirect (type $r) (local.get 0)))
)
(register "M" $M)

;; -- data ----------------------------------------------------------------------
;; The segment before the misfit is written; the one after is not.
(assert_trap
  (module
    (import "M" "mem" (memory 1))
    (data (i32.const 0) "a")
    (data (i32.const 65537) "")
    (data (i32.const 1) "b")
  )
  "out of bounds memory access"
)
(assert_return (invoke $M "load8" (i32.const 0)) (i32.const 0x61))
(assert_return (invoke $M "load8" (i32.const 1)) (i32.const 0))

;; Own memories.
(assert_trap (module (memory 1) (data (i32.const 65537) "")) "out of bounds memory access")
(assert_trap (module (memory 0) (data (i32.const 1) "")) "out of bounds memory access")
;; One byte at offset = size.
(assert_trap (module (memory 1) (data (i32.const 65536) "a")) "out of bounds memory access")
(assert_trap (module (memory 0) (data (i32.const 0) "a")) "out of bounds memory access")
;; Straddling the end: memory.init checks before it writes, so not even the
;; byte that is in bounds is written.
(assert_trap
  (module (import "M" "mem" (memory 1)) (data (i32.const 65535) "ab"))
  "out of bounds memory access"
)
(assert_return (invoke $M "load8" (i32.const 65535)) (i32.const 0))

;; -- elements --------------------------------------------------------------------
(assert_trap
  (module
    (import "M" "tab" (table 4 funcref))
    (func $f (result i32) (i32.const 1))
    (func $g (result i32) (i32.const 2))
    (elem (i32.const 0) $f)
    (elem (i32.const 5))
    (elem (i32.const 1) $g)
  )
  "out of bounds table access"
)
(assert_return (invoke $M "call" (i32.const 0)) (i32.const 1))
(assert_trap (invoke $M "call" (i32.const 1)) "uninitialized element")

(assert_trap (module (table 0 funcref) (elem (i32.const 1))) "out of bounds table access")
(assert_trap
  (module (table 0 funcref) (func $f) (elem (i32.const 0) $f))
  "out of bounds table access"
)
;; Straddling the end: slot 3 is not written.
(assert_trap
  (module
    (import "M" "tab" (table 4 funcref))
    (func $f (result i32) (i32.const 3))
    (elem (i32.const 3) $f $f)
  )
  "out of bounds table access"
)
(assert_trap (invoke $M "call" (i32.const 3)) "uninitialized element")

;; -- control: the same memory and table take segments that fit -------------------
(module
  (import "M" "mem" (memory 1))
  (import "M" "tab" (table 4 funcref))
  (func $f (result i32) (i32.const 4))
  (elem (i32.const 3) $f)
  (elem (i32.const 4))
  (data (i32.const 65535) "z")
  (data (i32.const 65536) "")
)
(assert_return (invoke $M "load8" (i32.const 65535)) (i32.const 0x7a))
(assert_return (invoke $M "call" (i32.const 3)) (i32.const 4))
