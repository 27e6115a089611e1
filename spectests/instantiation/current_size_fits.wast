;; profiles: mvp 2.0
;;
;; Segments are checked against the *current* size of an imported memory or
;; table, not the minimum its import declares (Wasm 1.0 4.5.4 steps 9-10 use
;; |meminst.data| and |tabinst.elem|; Wasm 2.0 memory.init/table.init do the
;; same).  Import matching itself also uses the current size (4.5.2 / 4.5.1).
;; Here every segment fits only because the memory or table is bigger than
;; the import's declared minimum; misfits are in current_size_misfit.*.

(module $M
  (type $r (func (result i32)))
  (memory (export "mem") 1 4)
  (table (export "tab") 3 funcref)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "size") (result i32) (memory.size))
  (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "call") (param i32) (result i32) (call_indirect (type $r) (local.get 0)))
)
(register "M" $M)

;; Grow $M's memory to 3 pages before anyone imports it.
(assert_return (invoke $M "grow" (i32.const 2)) (i32.const 1))
(assert_return (invoke $M "size") (i32.const 3))

;; Declared minimum 1 page, but the memory has 3: the last byte of page 3
;; and a zero-length segment at its end both fit.
(module
  (import "M" "mem" (memory 1))
  (data (i32.const 0x2ffff) "z")
  (data (i32.const 0x30000) "")
)
(assert_return (invoke $M "load8" (i32.const 0x2ffff)) (i32.const 0x7a))

;; Declared minimum 0 with a maximum: still matched and checked against the
;; current 3 pages.
(module
  (import "M" "mem" (memory 0 4))
  (data (i32.const 0x1fffe) "yy")
)
(assert_return (invoke $M "load8" (i32.const 0x1fffe)) (i32.const 0x79))
(assert_return (invoke $M "load8" (i32.const 0x1ffff)) (i32.const 0x79))

;; A table of 3 elements imported as a table of at least 1: the last slot.
(module
  (import "M" "tab" (table 1 funcref))
  (func $f (result i32) (i32.const 0x33))
  (elem (i32.const 2) $f)
  (elem (i32.const 3))
)
(assert_return (invoke $M "call" (i32.const 2)) (i32.const 0x33))

;; spectest's memory (1 to 2 pages) and table (10 to 20 elements) imported
;; with minimum 0: their last byte and last slot are in reach.
(module $S
  (type $r (func (result i32)))
  (import "spectest" "memory" (memory 0))
  (import "spectest" "table" (table 0 funcref))
  (func $f (result i32) (i32.const 77))
  (elem (i32.const 9) $f)
  (elem (i32.const 10))
  (data (i32.const 65535) "q")
  (data (i32.const 65536) "")
  (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "call") (param i32) (result i32) (call_indirect (type $r) (local.get 0)))
  (func (export "size") (result i32) (memory.size))
)
(assert_return (invoke $S "size") (i32.const 1))
(assert_return (invoke $S "load8" (i32.const 65535)) (i32.const 0x71))
(assert_return (invoke $S "call" (i32.const 9)) (i32.const 77))
(assert_trap (invoke $S "call" (i32.const 8)) "uninitialized element")
(assert_trap (invoke $S "call" (i32.const 10)) "undefined element")

;; A module that grows an imported memory in its start function: the start
;; function runs after the segments, so those were checked against the size
;; before growing; afterwards the new page is reachable from everyone.
(module $P
  (import "M" "mem" (memory 1))
  (data (i32.const 0x2fff0) "\01")
  (func $start
    (drop (memory.grow (i32.const 1)))
    (i32.store8 (i32.const 0x3ffff) (i32.const 0x44)))
  (start $start)
)
(assert_return (invoke $M "size") (i32.const 4))
(assert_return (invoke $M "load8" (i32.const 0x2fff0)) (i32.const 1))
(assert_return (invoke $M "load8" (i32.const 0x3ffff)) (i32.const 0x44))

;; Now the memory has 4 pages, its maximum: a segment ending there fits.
(module
  (import "M" "mem" (memory 4 4))
  (data (i32.const 0x3fffe) "\45")
)
(assert_return (invoke $M "load8" (i32.const 0x3fffe)) (i32.const 0x45))
