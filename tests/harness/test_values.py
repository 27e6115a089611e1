"""Matching results against the patterns scripts expect."""

from harness.values import (
    NULL,
    Either,
    Exact,
    FloatNan,
    NanPattern,
    Ref,
    RefPattern,
    V128Lanes,
    Value,
    format_value,
    results_match,
)

F32_CANONICAL = 0x7FC00000
F32_ARITHMETIC = 0x7FC00001
F32_SIGNALLING = 0x7FA00000
F64_CANONICAL = 0x7FF8000000000000


def test_nan_canonical_accepts_only_the_canonical_payload_of_either_sign():
    canon = FloatNan(NanPattern("f32", "canonical"))
    assert canon.matches(Value("f32", F32_CANONICAL))
    assert canon.matches(Value("f32", F32_CANONICAL | 0x80000000))
    assert not canon.matches(Value("f32", F32_ARITHMETIC))
    assert not canon.matches(Value("f32", 0x7F800000))  # infinity
    assert not canon.matches(Value("f64", F64_CANONICAL))  # wrong type


def test_nan_arithmetic_needs_the_quiet_bit():
    arith = FloatNan(NanPattern("f32", "arithmetic"))
    assert arith.matches(Value("f32", F32_CANONICAL))
    assert arith.matches(Value("f32", F32_ARITHMETIC))
    assert not arith.matches(Value("f32", F32_SIGNALLING))
    f64 = FloatNan(NanPattern("f64", "arithmetic"))
    assert f64.matches(Value("f64", F64_CANONICAL | 1))
    assert not f64.matches(Value("f64", 0x7FF0000000000001))


def test_floats_compare_by_bits_so_signed_zeros_differ():
    plus, minus = Value("f64", 0), Value("f64", 1 << 63)
    assert Exact(plus).matches(plus)
    assert not Exact(plus).matches(minus)
    assert not Exact(Value("f32", 0x80000000)).matches(Value("f32", 0))


def test_exact_nan_payload_must_match():
    assert Exact(Value("f32", F32_SIGNALLING)).matches(Value("f32", F32_SIGNALLING))
    assert not Exact(Value("f32", F32_SIGNALLING)).matches(Value("f32", F32_CANONICAL))


def test_v128_lanes_with_nan_patterns():
    lanes = (NanPattern("f32", "canonical"), 0x3F800000, 0, 0x80000000)
    pattern = V128Lanes("f32", lanes)
    bits = F32_CANONICAL | (0x3F800000 << 32) | (0x80000000 << 96)
    assert pattern.matches(Value("v128", bits))
    assert not pattern.matches(Value("v128", bits ^ (1 << 96)))  # -0.0 vs 0.0 in lane 3
    assert not pattern.matches(Value("i32", 0))


def test_either_takes_any_alternative():
    one, two = Value("i32", 1), Value("i32", 2)
    either = Either(((Exact(one),), (Exact(two),)))
    assert results_match(either, (one,))
    assert results_match(either, (two,))
    assert not results_match(either, (Value("i32", 3),))


def test_result_count_must_match():
    assert not results_match((Exact(Value("i32", 1)),), ())
    assert results_match((), ())


def test_reference_patterns():
    null_func = Value("funcref", NULL)
    some_func = Value("funcref", Ref("func", ("m", 3)))
    extern_7 = Value("externref", Ref("extern", 7))
    assert RefPattern("null").matches(null_func)
    assert not RefPattern("null").matches(some_func)
    assert RefPattern("func").matches(some_func)
    assert not RefPattern("func").matches(null_func)
    assert RefPattern("extern", 7).matches(extern_7)
    assert not RefPattern("extern", 8).matches(extern_7)
    assert RefPattern("extern").matches(extern_7)  # (ref.extern): any non-null
    assert not RefPattern("func").matches(extern_7)
    assert not RefPattern("null").matches(Value("i32", 0))


def test_formatting_shows_exact_floats():
    assert format_value(Value("f32", F32_SIGNALLING)) == "f32.const nan:0x200000"
    assert format_value(Value("f64", 1 << 63)) == "f64.const -0.0"
    assert format_value(Value("i32", 0xFFFFFFFF)) == "i32.const -1 (0xffffffff)"


def test_a_reference_without_identity_agrees_with_one_of_its_kind():
    from harness.values import values_agree

    known, unknown = Value("funcref", Ref("func", ("m1", 0))), Value("funcref", Ref("func"))
    assert values_agree(known, unknown) and values_agree(unknown, known)
    assert not values_agree(unknown, Value("funcref", NULL))
    assert not values_agree(Value("externref", Ref("extern")), unknown)
    assert not values_agree(known, Value("funcref", Ref("func", ("m1", 1))))


def test_references_agree_whatever_each_adapter_calls_the_result_type():
    # 3.0 fuzz items 123 and 226 (seed 1): refimpl's "(ref null none)" and
    # wasmtime's trampoline "anyref" for one null result of one signature.
    from harness.values import values_agree

    assert values_agree(Value("(ref null none)", NULL), Value("anyref", NULL))
    assert values_agree(Value("(ref null 11)", Ref("i31", 5)), Value("anyref", Ref("i31", 5)))
    assert not values_agree(Value("(ref null 11)", Ref("i31", 5)), Value("anyref", NULL))
    assert not values_agree(Value("anyref", Ref("i31", 5)), Value("anyref", Ref("i31", 6)))
