;; profiles: mvp 2.0
;;
;; Segment offsets taken from imported immutable globals (constant
;; expressions `global.get x`, 3.3.10): the offset is the imported global's
;; value at instantiation, from spectest (global_i32 = 666) or from a
;; registered module.  Wasm 1.0/2.0 4.5.4: offsets are evaluated in a frame
;; whose globals are the imported ones.  Out-of-range offsets from globals
;; are in offsets_out_of_range.*.

(module $G
  (global (export "two") i32 (i32.const 2))
  (global (export "seven") i32 (i32.const 7))
  (global (export "end") i32 (i32.const 65536))
  (global (export "last") i32 (i32.const 65535))
  (global (export "tab_end") i32 (i32.const 8))
)
(register "G" $G)

(module $M
  (type $r (func (result i32)))
  (memory (export "mem") 1)
  (table (export "tab") 8 funcref)
  (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "call") (param i32) (result i32) (call_indirect (type $r) (local.get 0)))
)
(register "M" $M)

(module $N
  (import "spectest" "global_i32" (global $g666 i32))
  (import "G" "two" (global $two i32))
  (import "G" "seven" (global $seven i32))
  (import "G" "end" (global $end i32))
  (import "G" "last" (global $last i32))
  (import "G" "tab_end" (global $tab_end i32))
  (import "M" "mem" (memory 1))
  (import "M" "tab" (table 8 funcref))
  (func $f (result i32) (i32.const 0xf))
  (func $g (result i32) (i32.const 0x10))
  (func $h (result i32) (i32.const 0x11))
  (data (global.get $g666) "ab")       ;; bytes 666, 667
  (data (global.get $last) "L")        ;; the last byte
  (data (global.get $end) "")          ;; zero-length, exactly at the end
  (elem (global.get $two) $f $g)       ;; slots 2, 3
  (elem (global.get $seven) $h)        ;; the last slot
  (elem (global.get $tab_end))         ;; zero-length, exactly at the end
  ;; A global initialised from an imported global holds the same value.
  (global (export "copy") i32 (global.get $g666))
)
(assert_return (get $N "copy") (i32.const 666))
(assert_return (invoke $M "load8" (i32.const 665)) (i32.const 0))
(assert_return (invoke $M "load8" (i32.const 666)) (i32.const 0x61))
(assert_return (invoke $M "load8" (i32.const 667)) (i32.const 0x62))
(assert_return (invoke $M "load8" (i32.const 668)) (i32.const 0))
(assert_return (invoke $M "load8" (i32.const 65535)) (i32.const 0x4c))
(assert_trap (invoke $M "call" (i32.const 1)) "uninitialized element")
(assert_return (invoke $M "call" (i32.const 2)) (i32.const 0xf))
(assert_return (invoke $M "call" (i32.const 3)) (i32.const 0x10))
(assert_trap (invoke $M "call" (i32.const 4)) "uninitialized element")
(assert_return (invoke $M "call" (i32.const 7)) (i32.const 0x11))

;; The offset is the global's value (666), not its index (0): a module with
;; its own memory gets the byte at 666 and nothing at 0.
(module $O
  (import "spectest" "global_i32" (global $g i32))
  (memory 1)
  (data (global.get $g) "\99")
  (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0)))
)
(assert_return (invoke $O "load8" (i32.const 0)) (i32.const 0))
(assert_return (invoke $O "load8" (i32.const 666)) (i32.const 0x99))

;; A global re-exported by a second module keeps its value: offsets through
;; two registrations.
(module $G2
  (import "G" "seven" (global $s i32))
  (export "seven again" (global $s))
)
(register "G2" $G2)
(module
  (import "G2" "seven again" (global $s i32))
  (import "M" "mem" (memory 1))
  (data (global.get $s) "\77")
)
(assert_return (invoke $M "load8" (i32.const 7)) (i32.const 0x77))
(assert_return (invoke $M "load8" (i32.const 6)) (i32.const 0))
