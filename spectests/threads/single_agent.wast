;; profiles: mvp,+threads 2.0,+threads
;;
;; The threads proposal where the suite's proposals/threads/ doesn't pin it
;; down: wait on an unshared memory, the alignment check before the bounds
;; check (also through the offset), narrow read-modify-writes whose operands
;; carry bits beyond the access width, cmpxchg comparing the expected value
;; wrapped to the width, wait/notify outcomes in a single agent (finite
;; timeouts only: an infinite wait that could end only by a notify never
;; returns), and shared memories across modules.

(module
  (memory 1 1 shared)
  (data (i32.const 0) "\01\02\03\04\05\06\07\08")

  (func (export "peek") (result i64) (i64.load (i32.const 0)))
  (func (export "init") (param i64) (i64.store (i32.const 0) (local.get 0)))

  (func (export "rmw8.add") (param i32 i32) (result i32)
    (i32.atomic.rmw8.add_u (local.get 0) (local.get 1)))
  (func (export "rmw8.sub") (param i32 i32) (result i32)
    (i32.atomic.rmw8.sub_u (local.get 0) (local.get 1)))
  (func (export "rmw16.xchg") (param i32 i32) (result i32)
    (i32.atomic.rmw16.xchg_u (local.get 0) (local.get 1)))
  (func (export "rmw32.or") (param i32 i64) (result i64)
    (i64.atomic.rmw32.or_u (local.get 0) (local.get 1)))
  (func (export "rmw.and") (param i32 i64) (result i64)
    (i64.atomic.rmw.and (local.get 0) (local.get 1)))
  (func (export "rmw16.xor") (param i32 i64) (result i64)
    (i64.atomic.rmw16.xor_u (local.get 0) (local.get 1)))

  (func (export "cmpxchg8") (param i32 i32 i32) (result i32)
    (i32.atomic.rmw8.cmpxchg_u (local.get 0) (local.get 1) (local.get 2)))
  (func (export "cmpxchg16") (param i32 i64 i64) (result i64)
    (i64.atomic.rmw16.cmpxchg_u (local.get 0) (local.get 1) (local.get 2)))
  (func (export "cmpxchg32") (param i32 i64 i64) (result i64)
    (i64.atomic.rmw32.cmpxchg_u (local.get 0) (local.get 1) (local.get 2)))

  (func (export "load_off2") (param i32) (result i32)
    (i32.atomic.load offset=2 (local.get 0)))
  (func (export "store16") (param i32 i32) (i32.atomic.store16 (local.get 0) (local.get 1)))
  (func (export "rmw64.add") (param i32) (result i64)
    (i64.atomic.rmw.add (local.get 0) (i64.const 1)))

  (func (export "wait32") (param i32 i32 i64) (result i32)
    (memory.atomic.wait32 (local.get 0) (local.get 1) (local.get 2)))
  (func (export "wait64") (param i32 i64 i64) (result i32)
    (memory.atomic.wait64 (local.get 0) (local.get 1) (local.get 2)))
  (func (export "notify") (param i32 i32) (result i32)
    (memory.atomic.notify (local.get 0) (local.get 1)))
  (func (export "fence") (atomic.fence))
)

;; Narrow read-modify-writes: the operand wraps to the width, the result
;; wraps in it, the neighbours stay.
(assert_return (invoke "rmw8.add" (i32.const 0) (i32.const 0x1ff)) (i32.const 0x01))
(assert_return (invoke "peek") (i64.const 0x0807060504030200))
(assert_return (invoke "rmw8.sub" (i32.const 1) (i32.const 0x303)) (i32.const 0x02))
(assert_return (invoke "peek") (i64.const 0x080706050403ff00))
(assert_return (invoke "rmw16.xchg" (i32.const 2) (i32.const 0xabcd1234)) (i32.const 0x0403))
(assert_return (invoke "peek") (i64.const 0x080706051234ff00))
(assert_return (invoke "rmw32.or" (i32.const 4) (i64.const 0xffffffff00000010)) (i64.const 0x08070605))
(assert_return (invoke "peek") (i64.const 0x080706151234ff00))
(assert_return (invoke "rmw16.xor" (i32.const 6) (i64.const 0x1111111111110f0f)) (i64.const 0x0807))
(assert_return (invoke "peek") (i64.const 0x070806151234ff00))
(assert_return (invoke "rmw.and" (i32.const 0) (i64.const 0x00ff00ff00ff00ff)) (i64.const 0x070806151234ff00))
(assert_return (invoke "peek") (i64.const 0x0008001500340000))

;; cmpxchg compares the expected value wrapped to the width: bits above it
;; don't make it fail; the replacement's high bits are dropped.
(invoke "init" (i64.const 0x1111111111111111))
(assert_return (invoke "cmpxchg8" (i32.const 0) (i32.const 0xffffff11) (i32.const 0xabcdef42)) (i32.const 0x11))
(assert_return (invoke "peek") (i64.const 0x1111111111111142))
(assert_return (invoke "cmpxchg16" (i32.const 2) (i64.const 0xffff00001111) (i64.const 0x123456789abc)) (i64.const 0x1111))
(assert_return (invoke "peek") (i64.const 0x111111119abc1142))
(assert_return (invoke "cmpxchg32" (i32.const 4) (i64.const 0x0000000111111111) (i64.const 0xfedcba9876543210)) (i64.const 0x11111111))
(assert_return (invoke "peek") (i64.const 0x765432109abc1142))
;; A mismatch inside the width: nothing written, the old value returned.
(assert_return (invoke "cmpxchg8" (i32.const 0) (i32.const 0x43) (i32.const 0)) (i32.const 0x42))
(assert_return (invoke "cmpxchg32" (i32.const 4) (i64.const 0x76543211) (i64.const 0)) (i64.const 0x76543210))
(assert_return (invoke "peek") (i64.const 0x765432109abc1142))

;; Alignment is of the effective address (offset included) and is checked
;; before the bounds.
(assert_trap (invoke "load_off2" (i32.const 0)) "unaligned atomic")
(assert_return (invoke "load_off2" (i32.const 2)) (i32.const 0x76543210))
(assert_trap (invoke "store16" (i32.const 65535) (i32.const 0)) "unaligned atomic")
(assert_trap (invoke "store16" (i32.const 65536) (i32.const 0)) "out of bounds memory access")
(assert_trap (invoke "rmw64.add" (i32.const 65532)) "unaligned atomic")
(assert_trap (invoke "rmw64.add" (i32.const 65536)) "out of bounds memory access")
(assert_trap (invoke "rmw64.add" (i32.const 4)) "unaligned atomic")
(assert_trap (invoke "notify" (i32.const 2) (i32.const 1)) "unaligned atomic")
(assert_trap (invoke "notify" (i32.const 65536) (i32.const 1)) "out of bounds memory access")
(assert_trap (invoke "wait64" (i32.const 4) (i64.const 0) (i64.const 0)) "unaligned atomic")
(assert_trap (invoke "wait32" (i32.const 65536) (i32.const 0) (i64.const 0)) "out of bounds memory access")
(assert_return (invoke "peek") (i64.const 0x765432109abc1142))

;; One agent: nobody waits, nobody notifies.
(assert_return (invoke "notify" (i32.const 0) (i32.const 10)) (i32.const 0))
(assert_return (invoke "wait32" (i32.const 0) (i32.const 0) (i64.const -1)) (i32.const 1))
(assert_return (invoke "wait64" (i32.const 0) (i64.const 0) (i64.const -1)) (i32.const 1))
(assert_return (invoke "wait32" (i32.const 0) (i32.const 0x9abc1142) (i64.const 0)) (i32.const 2))
(assert_return (invoke "wait64" (i32.const 0) (i64.const 0x765432109abc1142) (i64.const 1000)) (i32.const 2))
(assert_return (invoke "fence"))

;; An unshared memory: atomics work, notify wakes nobody, wait traps (after
;; the address checks, and whatever the value).
(module
  (memory 1 1)
  (func (export "add") (param i32 i32) (result i32)
    (i32.atomic.rmw.add (local.get 0) (local.get 1)))
  (func (export "wait32") (param i32 i32) (result i32)
    (memory.atomic.wait32 (local.get 0) (local.get 1) (i64.const 0)))
  (func (export "wait64") (param i32 i64) (result i32)
    (memory.atomic.wait64 (local.get 0) (local.get 1) (i64.const -1)))
  (func (export "notify") (param i32) (result i32)
    (memory.atomic.notify (local.get 0) (i32.const 1)))
)
(assert_return (invoke "add" (i32.const 8) (i32.const 5)) (i32.const 0))
(assert_return (invoke "add" (i32.const 8) (i32.const 1)) (i32.const 5))
(assert_return (invoke "notify" (i32.const 8)) (i32.const 0))
(assert_trap (invoke "wait32" (i32.const 8) (i32.const 6)) "expected shared memory")
(assert_trap (invoke "wait32" (i32.const 8) (i32.const 0)) "expected shared memory")
(assert_trap (invoke "wait64" (i32.const 8) (i64.const 6)) "expected shared memory")
(assert_trap (invoke "wait32" (i32.const 9) (i32.const 0)) "unaligned atomic")
(assert_trap (invoke "wait32" (i32.const 65536) (i32.const 0)) "out of bounds memory access")

;; Shared memories across modules: the exporter's state is the importer's.
(module $exporter
  (memory (export "mem") 1 2 shared)
  (data (i32.const 16) "\2a")
  (func (export "load") (param i32) (result i32) (i32.atomic.load8_u (local.get 0)))
)
(register "exporter" $exporter)
(module
  (import "exporter" "mem" (memory 1 2 shared))
  (func (export "add") (param i32 i32) (result i32)
    (i32.atomic.rmw8.add_u (local.get 0) (local.get 1)))
)
(assert_return (invoke "add" (i32.const 16) (i32.const 1)) (i32.const 0x2a))
(assert_return (invoke $exporter "load" (i32.const 16)) (i32.const 0x2b))
(assert_unlinkable
  (module (import "exporter" "mem" (memory 1 2)))
  "incompatible import type")
(assert_unlinkable
  (module (import "exporter" "mem" (memory 1 1 shared)))
  "incompatible import type")
