;; profiles: 3.0 2.0
;;
;; Abbreviations of the text format (spec 6.6) and their index spaces:
;; inline imports come first in their index space, types implied by inline
;; type uses follow the explicit ones in the order they occur, labels
;; shadow outer ones of the same name, and folded and plain instructions
;; mix in one sequence.

(module $M
  (func $imported (import "spectest" "print_i32") (param i32))
  (type $v (func))
  (table $t funcref (elem $ten $twenty $id))
  (memory (data "\u{41}\t\"\\\ff"))
  (func $ten (result i32) i32.const 10)
  (func $twenty (result i32) (i32.const 20))
  (func $id (param $x i32) (result i32) (local.get $x))
  (func (export "indirect") (param i32) (result i32)
    (call_indirect (result i32) (local.get 0)))
  (func (export "indirect_param") (param i32) (result i32)
    (call_indirect $t (param i32) (result i32) (i32.const 7) (local.get 0)))
  (func (export "shadow") (result i32)
    (block $l (result i32)
      (block $l (result i32) (br $l (i32.const 1)))
      drop
      i32.const 2))
  (func (export "mixed") (result i32)
    i32.const 1
    (i32.add (i32.const 2))
    (if (result i32) (then (i32.const 40)) (else (i32.const 50)))
    i32.const 2
    i32.add)
  (func (export "data") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "$\"quoted\"") (result i32) (call $"twenty"))
)

(assert_return (invoke "indirect" (i32.const 0)) (i32.const 10))
(assert_return (invoke "indirect" (i32.const 1)) (i32.const 20))
(assert_return (invoke "indirect_param" (i32.const 2)) (i32.const 7))
(assert_trap (invoke "indirect" (i32.const 2)) "indirect call type mismatch")
(assert_return (invoke "shadow") (i32.const 2))
(assert_return (invoke "mixed") (i32.const 42))
(assert_return (invoke "data" (i32.const 0)) (i32.const 0x41))
(assert_return (invoke "data" (i32.const 1)) (i32.const 9))
(assert_return (invoke "data" (i32.const 2)) (i32.const 34))
(assert_return (invoke "data" (i32.const 3)) (i32.const 92))
(assert_return (invoke "data" (i32.const 4)) (i32.const 0xff))
(assert_return (invoke "$\"quoted\"") (i32.const 20))

(assert_malformed (module quote "(func $f) (func $f)") "duplicate func")
(assert_malformed (module quote "(type $t (func)) (func (type $t) (param i32))") "inline function type")
(assert_malformed (module quote "(func (block $a end $b))") "unexpected token")
(assert_malformed (module quote "(func block $a end $b)") "mismatching label")
(assert_malformed (module quote "(func (br $nowhere))") "unknown label")
(assert_malformed (module quote "(func (param $x i32) (local $x i32))") "duplicate local")
(assert_malformed (module quote "(memory 1) (func (drop (i32.load offset=-1 (i32.const 0))))") "unknown operator")
(assert_malformed (module quote "(memory 1) (func (drop (i32.load align=3 (i32.const 0))))") "alignment")
(assert_invalid (module quote "(func (call 7))") "unknown function")
