;; profiles: mvp 2.0
;;
;; Global initialisation (Wasm 1.0 and 2.0 4.5.4, the
;; global initialisation values computed before the instance is allocated):
;; initial values are constant expressions evaluated before anything else
;; happens, where only imported globals are visible; `global.get` of an
;; imported immutable global copies its value.  Imported globals are shared,
;; not copied: a mutable global imported and written by a start function
;; changes for its owner.  (ref.func / ref.null in globals: globals_ref.2.0.)

(module $G
  (global (export "c") i32 (i32.const 40))
  (global (export "c64") i64 (i64.const -5))
  (global (export "f") f64 (f64.const 2.5))
  (global $m (export "m") (mut i32) (i32.const 100))
  (func (export "get m") (result i32) (global.get $m))
)
(register "G" $G)

(module $N
  (import "G" "c" (global $c i32))
  (import "G" "c64" (global $c64 i64))
  (import "G" "f" (global $f f64))
  (import "spectest" "global_i32" (global $s i32))
  (import "spectest" "global_f32" (global $sf f32))
  (import "G" "m" (global $m (mut i32)))
  ;; each defined global copies an imported one, or is a constant
  (global (export "c'") i32 (global.get $c))
  (global (export "c64'") i64 (global.get $c64))
  (global (export "f'") f64 (global.get $f))
  (global (export "s'") i32 (global.get $s))
  (global (export "sf'") f32 (global.get $sf))
  (global $k (export "k") (mut i32) (global.get $c))
  ;; the start function adds k to the imported mutable global and doubles k
  (func $start
    (global.set $m (i32.add (global.get $m) (global.get $k)))
    (global.set $k (i32.mul (global.get $k) (i32.const 2))))
  (start $start)
)
(assert_return (get $N "c'") (i32.const 40))
(assert_return (get $N "c64'") (i64.const -5))
(assert_return (get $N "f'") (f64.const 2.5))
(assert_return (get $N "s'") (i32.const 666))
(assert_return (get $N "sf'") (f32.const 666.6))
;; the start function saw k = 40 (initialised first) and wrote 80
(assert_return (get $N "k") (i32.const 80))
;; and the imported mutable global is $G's own: 100 + 40
(assert_return (get $G "m") (i32.const 140))
(assert_return (invoke $G "get m") (i32.const 140))

;; A second instance of a module gets fresh globals, initialised again from
;; the imports (not from the first instance's current values).
(module $N2
  (import "G" "c" (global $c i32))
  (import "G" "m" (global $m (mut i32)))
  (global $k (export "k") (mut i32) (global.get $c))
  (func $start
    (global.set $m (i32.add (global.get $m) (global.get $k)))
    (global.set $k (i32.mul (global.get $k) (i32.const 2))))
  (start $start)
)
(assert_return (get $N2 "k") (i32.const 80))
(assert_return (get $G "m") (i32.const 180))
(assert_return (get $N "k") (i32.const 80))
