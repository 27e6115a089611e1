;; profiles: 3.0
;;
;; Divergences the refimpl x wasmtime campaign (docs/fuzzing.md) found in
;; the harness, on wasm-smith's GC modules (seed 1), none in either engine.
;; Run with --engine wasmtime, every command and the probed state after
;; instantiation are compared:
;;
;; - item 1 and a quarter of all items: exports whose function type is not
;;   final, or is in a recursion group, were "unsupported by wasmtime" (a
;;   trampoline's plain (func) import does not match such a type), and an
;;   f32 export of one fell back to a C float that quiets NaNs;
;; - items 123, 226: a null result of type (ref null none) or (ref null $s)
;;   diverged only in how each adapter spells the type;
;; - item 64: an i31 made external, in a global or a table, read as null
;;   through wasmtime-py;
;; - item 123 (shrinking): a table of anyref ended the run with an error
;;   from wasmtime-py (its entries can't be read; counted unreadable).

(module
  (type $s (struct (field i32)))
  (type $sub (sub (func (param f32) (result v128))))
  (rec (type $grouped (func (param i32) (result f32))) (type (struct)))
  (type $none (sub (func (result nullref))))
  (func (export "sub") (type $sub) (f32x4.splat (local.get 0)))
  (func (export "grouped") (type $grouped) (f32.reinterpret_i32 (local.get 0)))
  (func (export "null-none") (type $none) (ref.null none))
  (func (export "null-struct") (result (ref null $s)) (ref.null $s))
  (func (export "i31") (result anyref) (ref.i31 (i32.const 9)))
  (global (export "g") externref (extern.convert_any (ref.i31 (i32.const 5))))
  (global (export "n") externref (ref.null extern))
  (table (export "t") 3 externref)
  (table (export "t64") i64 2 externref)
  (table (export "any") 2 anyref)
  (elem (table 0) (i32.const 1) externref (extern.convert_any (ref.i31 (i32.const 7))))
  (elem (table 1) (i64.const 0) externref (extern.convert_any (ref.i31 (i32.const 7))))
  (elem (table 2) (i32.const 0) anyref (struct.new $s (i32.const 1)))
)

(assert_return (invoke "sub" (f32.const nan:0x200000))
  (v128.const i32x4 0x7fa00000 0x7fa00000 0x7fa00000 0x7fa00000))
(assert_return (invoke "grouped" (i32.const 0x7f800001)) (f32.const nan:0x1))
(assert_return (invoke "null-none") (ref.null none))
(assert_return (invoke "null-struct") (ref.null))
(assert_return (invoke "i31") (ref.i31))
