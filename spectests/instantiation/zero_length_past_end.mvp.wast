;; profiles: mvp
;;
;; Wasm 1.0: a segment one past the end does not fit, even with length 0.
;; 4.5.4 steps 9-10: "If eo + n > |tabinst.elem| (do + n > |meminst.data|),
;; then fail" - the link error "elements segment does not fit" / "data
;; segment does not fit" - before anything is written.  So offset = size + 1
;; with n = 0 fails, whereas offset = size with n = 0 fits
;; (zero_length_at_end.wast).  Compare zero_length_past_end.2.0.wast.

(module $M
  (type $r (func (result i32)))
  (memory (export "mem") 1)
  (table (export "tab") 4 funcref)
  (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "call") (param i32) (result i32) (call_indirect (type $r) (local.get 0)))
)
(register "M" $M)

;; -- data ----------------------------------------------------------------------
;; A zero-length segment at 65537 in a 1-page memory, after one that fits:
;; neither is written.
(assert_unlinkable
  (module
    (import "M" "mem" (memory 1))
    (data (i32.const 0) "a")
    (data (i32.const 65537) "")
  )
  "data segment does not fit"
)
(assert_return (invoke $M "load8" (i32.const 0)) (i32.const 0))

;; Own memories.
(assert_unlinkable (module (memory 1) (data (i32.const 65537) "")) "data segment does not fit")
(assert_unlinkable (module (memory 0) (data (i32.const 1) "")) "data segment does not fit")
;; One byte at offset = size: the segment's end is one past the memory's.
(assert_unlinkable (module (memory 1) (data (i32.const 65536) "a")) "data segment does not fit")
(assert_unlinkable (module (memory 0) (data (i32.const 0) "a")) "data segment does not fit")
;; Straddling the end.
(assert_unlinkable
  (module (import "M" "mem" (memory 1)) (data (i32.const 65535) "ab"))
  "data segment does not fit"
)
(assert_return (invoke $M "load8" (i32.const 65535)) (i32.const 0))

;; -- elements --------------------------------------------------------------------
(assert_unlinkable
  (module
    (import "M" "tab" (table 4 funcref))
    (func $f (result i32) (i32.const 1))
    (elem (i32.const 0) $f)
    (elem (i32.const 5))
  )
  "elements segment does not fit"
)
(assert_trap (invoke $M "call" (i32.const 0)) "uninitialized element")

(assert_unlinkable (module (table 0 funcref) (elem (i32.const 1))) "elements segment does not fit")
(assert_unlinkable
  (module (table 0 funcref) (func $f) (elem (i32.const 0) $f))
  "elements segment does not fit"
)
(assert_unlinkable
  (module
    (import "M" "tab" (table 4 funcref))
    (func $f (result i32) (i32.const 1))
    (elem (i32.const 3) $f $f)
  )
  "elements segment does not fit"
)
(assert_trap (invoke $M "call" (i32.const 3)) "uninitialized element")

;; -- control: the same memory and table take segments that fit -------------------
(module
  (import "M" "mem" (memory 1))
  (import "M" "tab" (table 4 funcref))
  (func $f (result i32) (i32.const 1))
  (elem (i32.const 3) $f)
  (elem (i32.const 4))
  (data (i32.const 0) "a")
  (data (i32.const 65536) "")
)
(assert_return (invoke $M "load8" (i32.const 0)) (i32.const 0x61))
(assert_return (invoke $M "call" (i32.const 3)) (i32.const 1))
