;; profiles: 3.0 2.0
;;
;; Numeric literals the official suite leaves open (spec 6.3.1-6.3.2): an
;; f32 literal is rounded once, from its exact decimal or hexadecimal value
;; (rounding through f64 first would give another result), ties go to even,
;; underscores separate digits anywhere between them, NaN payloads are kept.

(module
  (func (export "f32_tie_above") (result i32)
    (i32.reinterpret_f32 (f32.const 1.00000005960464477550)))
  (func (export "f32_tie_exact") (result i32)
    (i32.reinterpret_f32 (f32.const 1.000000059604644775390625)))
  (func (export "f32_hex_tie") (result i32)
    (i32.reinterpret_f32 (f32.const 0x1.000001p0)))
  (func (export "f32_hex_above") (result i32)
    (i32.reinterpret_f32 (f32.const 0x1.0000010000000000000000001p0)))
  (func (export "f32_subnormal") (result i32)
    (i32.reinterpret_f32 (f32.const 0x0.000002p-126)))
  (func (export "f32_largest") (result i32)
    (i32.reinterpret_f32 (f32.const 0x1.fffffefffffffffffp127)))
  (func (export "f64_underscores") (result f64) (f64.const 1_000_000.000_1e-0_1))
  (func (export "nan_payload") (result i32)
    (i32.reinterpret_f32 (f32.const -nan:0x7f_ffff)))
  (func (export "i64_unsigned") (result i64) (i64.const 0xffff_ffff_ffff_ffff))
  (func (export "i32_leading_zeros") (result i32) (i32.const 000_042))
)

(assert_return (invoke "f32_tie_above") (i32.const 0x3f800001))
(assert_return (invoke "f32_tie_exact") (i32.const 0x3f800000))
(assert_return (invoke "f32_hex_tie") (i32.const 0x3f800000))
(assert_return (invoke "f32_hex_above") (i32.const 0x3f800001))
(assert_return (invoke "f32_subnormal") (i32.const 1))
(assert_return (invoke "f32_largest") (i32.const 0x7f7fffff))
(assert_return (invoke "f64_underscores") (f64.const 100000.00001))
(assert_return (invoke "nan_payload") (i32.const 0xffffffff))
(assert_return (invoke "i64_unsigned") (i64.const -1))
(assert_return (invoke "i32_leading_zeros") (i32.const 42))

(assert_malformed (module quote "(func (f32.const 0x1.ffffffp127) drop)") "constant out of range")
(assert_malformed (module quote "(func (f32.const 1e999999999999) drop)") "constant out of range")
(assert_malformed (module quote "(func (f64.const 1__0) drop)") "unknown operator")
(assert_malformed (module quote "(func (f64.const _1) drop)") "unknown operator")
(assert_malformed (module quote "(func (i32.const 1_) drop)") "unknown operator")
(assert_malformed (module quote "(func (f32.const nan:0x0) drop)") "constant out of range")
(assert_malformed (module quote "(func (i32.const 1.5) drop)") "unexpected token")
