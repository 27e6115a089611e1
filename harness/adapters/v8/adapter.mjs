// V8 (through Node >= 20) as an engine of the harness: speaks the engine
// protocol (docs/engine-protocol.md) on stdin/stdout with the WebAssembly JS API.
//
// Run by `wasm-harness --engine v8` (harness/adapters/v8_engine.py) as
//   node --experimental-wasm-type-reflection adapter.mjs
// Type reflection tells the result types of an export, which JS values alone
// can't (an f32 and an f64 are both Numbers).  The JS API can't pass v128 and
// may quiet signalling NaNs, so `describe` asks the harness for value
// crossings: it calls such exports through trampoline modules (see
// harness/engines/crossings.py) and passes f32/f64/v128 as integer bits.
import { createInterface } from "node:readline";

// `--no-crossings`: pass every value through the JS API itself (to measure
// what the crossings buy, or to test an engine without them).
const CROSSINGS = process.argv.includes("--no-crossings") ? [] : ["f32", "f64", "v128"];
const DESCRIBE = {
  describe: `v8 ${process.versions.v8} (node ${process.versions.node})`,
  exact_messages: false,
  probes: false,
  crossings: CROSSINGS,
};

// V8's trap texts -> the spec's categories (harness/messages.py).  A text may
// stand for several: V8 says "null function or function signature mismatch"
// both for a null table entry and for a signature mismatch.  First match wins.
const TRAPS = [
  ["unreachable", ["unreachable"]],
  ["memory access out of bounds", ["memory-bounds"]],
  ["data segment", ["memory-bounds"]],
  ["divide by zero", ["integer-divide-by-zero"]],
  ["remainder by zero", ["integer-divide-by-zero"]],
  ["divide result unrepresentable", ["integer-overflow"]],
  // Both a NaN (spec: invalid conversion) and a value out of range (integer overflow).
  ["float unrepresentable in integer range", ["invalid-conversion", "integer-overflow"]],
  ["table index is out of bounds", ["table-bounds"]],
  ["table access out of bounds", ["table-bounds"]],
  ["element segment", ["table-bounds"]],
  ["null function or function signature mismatch", ["null-table-entry", "signature-mismatch"]],
  ["function signature mismatch", ["signature-mismatch"]],
  ["dereferencing a null pointer", ["null-reference"]],
  ["null", ["null-reference"]],
  ["illegal cast", ["cast-failure"]],
  ["array element access out of bounds", ["array-bounds"]],
  ["operation does not support unaligned accesses", ["unaligned-atomic"]],
];

// CompileError texts that mean the binary could not be decoded at all.
const DECODE_ERRORS = [
  "expected", "fell off end", "invalid section", "section was", "length out of bounds",
  "magic", "version", "unexpected section", "out of order", "extends past end",
  "invalid local", "invalid value type", "invalid opcode", "invalid UTF-8", "too many",
  "trailing", "unknown section", "leb", "exceeds", "invalid type", "invalid name",
  "duplicate", "malformed", "function body count",
];

function categoriesOf(message) {
  for (const [text, cats] of TRAPS) if (message.includes(text)) return cats;
  return null;
}

class Unsupported extends Error {}

function failure(kind, message, category) {
  const out = { kind, message };
  if (category) out.category = category.length === 1 ? category[0] : category;
  return out;
}

function outcomeOfError(e, where) {
  const message = String(e && e.message !== undefined ? e.message : e);
  if (e instanceof Unsupported) return { kind: "unsupported", message };
  if (e instanceof WebAssembly.CompileError) {
    const lower = message.toLowerCase();
    const malformed = !lower.includes("compiling function") &&
      DECODE_ERRORS.some((t) => lower.includes(t.toLowerCase()));
    return failure(malformed ? "malformed" : "invalid", message);
  }
  if (e instanceof WebAssembly.LinkError) return failure("link error", message, ["link"]);
  if (e instanceof WebAssembly.RuntimeError) return failure("trap", message, categoriesOf(message));
  if (e instanceof RangeError && message.includes("call stack")) {
    return failure("exhaustion", message, ["call-stack-exhausted"]);
  }
  if (typeof WebAssembly.Exception === "function" && e instanceof WebAssembly.Exception) {
    return failure("exception", "uncaught wasm exception");
  }
  if (e instanceof TypeError && where === "instantiate") return failure("link error", message, ["link"]);
  if (e instanceof TypeError) return { kind: "unsupported", message: `the JS API: ${message}` };
  if (e instanceof RangeError) return failure("trap", message, categoriesOf(message));
  return { kind: "crash", message: `${e && e.constructor ? e.constructor.name : "error"}: ${message}` };
}

// -- values ----------------------------------------------------------------------

const scratch = new DataView(new ArrayBuffer(8));
const hostRefs = new Map(); // payload -> the JS object standing for (ref.extern N)

function hostRef(n) {
  if (!hostRefs.has(n)) hostRefs.set(n, Object.freeze({ harnessHostRef: n }));
  return hostRefs.get(n);
}

function toJS(v) {
  if ("ref" in v) {
    if (v.ref === null) return null;
    if (v.ref.kind === "extern" || v.ref.kind === "host") return hostRef(v.ref.payload);
    throw new Unsupported(`cannot pass a (ref.${v.ref.kind}) argument through the JS API`);
  }
  const bits = BigInt(v.bits);
  switch (v.type) {
    case "i32": return Number(BigInt.asIntN(32, bits));
    case "i64": return BigInt.asIntN(64, bits);
    case "f32": scratch.setUint32(0, Number(bits)); return scratch.getFloat32(0);
    case "f64": scratch.setBigUint64(0, bits); return scratch.getFloat64(0);
    default: throw new Unsupported(`the JS API cannot pass ${v.type} values`);
  }
}

function refValue(type, x) {
  if (x === null || x === undefined) return { type, ref: null };
  if (typeof x === "object" && "harnessHostRef" in x) {
    return { type, ref: { kind: "extern", payload: x.harnessHostRef } };
  }
  if (typeof x === "function") return { type, ref: { kind: "func", payload: null } };
  return { type, ref: { kind: type === "externref" ? "extern" : "any", payload: null } };
}

function fromJS(type, x) {
  switch (type) {
    case "i32": return { type, bits: String(BigInt.asUintN(32, BigInt(x))) };
    case "i64": return { type, bits: String(BigInt.asUintN(64, BigInt(x))) };
    case "f32": scratch.setFloat32(0, x); return { type, bits: String(scratch.getUint32(0)) };
    case "f64": scratch.setFloat64(0, x); return { type, bits: String(scratch.getBigUint64(0)) };
    case "v128": throw new Unsupported("the JS API cannot pass v128 values");
    case "anyfunc": return refValue("funcref", x);
    default: return refValue(type, x);
  }
}

// -- the spectest module the spec's scripts import -------------------------------

function spectest() {
  const noop = () => {};
  const exports = {
    print: noop, print_i32: noop, print_i64: noop, print_f32: noop, print_f64: noop,
    print_i32_f32: noop, print_f64_f64: noop,
    global_i32: new WebAssembly.Global({ value: "i32" }, 666),
    global_i64: new WebAssembly.Global({ value: "i64" }, 666n),
    global_f32: new WebAssembly.Global({ value: "f32" }, 666.6),
    global_f64: new WebAssembly.Global({ value: "f64" }, 666.6),
    table: new WebAssembly.Table({ element: "anyfunc", initial: 10, maximum: 20 }),
    memory: new WebAssembly.Memory({ initial: 1, maximum: 2 }),
  };
  try {
    exports.shared_memory = new WebAssembly.Memory({ initial: 1, maximum: 2, shared: true });
  } catch { /* no threads: scripts importing it fail to link */ }
  return exports;
}

// -- profiles ----------------------------------------------------------------------

// V8 has bulk memory always on: under Wasm 1.0 semantics an out-of-bounds
// segment writes nothing, under V8's earlier segments' writes stay.
function declines(profile) {
  const [base, ...flags] = String(profile).split(",");
  const bulk = flags.includes("+bulk_memory") || (base !== "mvp" && !flags.includes("-bulk_memory"));
  return bulk ? null : "V8 cannot run Wasm 1.0 semantics: bulk memory is always on";
}

// -- sessions ----------------------------------------------------------------------

let session = null;

function open() {
  session = { instances: new Map(), registered: new Map([["spectest", spectest()]]) };
  return { kind: "ok", values: [] };
}

function compile(module) {
  if (module.binary === null || module.binary === undefined) {
    throw new Unsupported("V8 has no text format parser");
  }
  return new WebAssembly.Module(Buffer.from(module.binary, "base64"));
}

function instantiate(req) {
  const m = compile(req.module);
  const imports = {};
  for (const imp of WebAssembly.Module.imports(m)) {
    const from = session.registered.get(imp.module);
    if (from === undefined) throw new WebAssembly.LinkError(`unknown import ${imp.module}.${imp.name}`);
    if (!(imp.name in from)) throw new WebAssembly.LinkError(`unknown import ${imp.module}.${imp.name}`);
    imports[imp.module] ??= {};
    imports[imp.module][imp.name] = from[imp.name];
  }
  const instance = new WebAssembly.Instance(m, imports);
  if (req.handle !== null && req.handle !== undefined) session.instances.set(req.handle, instance);
  return { kind: "ok", values: [] };
}

function exportOf(handle, field) {
  const instance = session.instances.get(handle);
  if (instance === undefined) return [null, { kind: "crash", message: `unknown handle ${handle}` }];
  const item = instance.exports[field];
  if (item === undefined) return [null, { kind: "crash", message: `no export ${JSON.stringify(field)}` }];
  return [item, null];
}

function invoke(req) {
  const [func, missing] = exportOf(req.handle, req.field);
  if (missing) return missing;
  const sig = WebAssembly.Function.type(func);
  if ([...sig.parameters, ...sig.results].includes("v128")) {
    return { kind: "unsupported", message: "the JS API cannot pass v128 values" };
  }
  const args = req.args.map(toJS);
  const raw = func(...args);
  const results = sig.results.length === 1 ? [raw] : sig.results.length === 0 ? [] : [...raw];
  return { kind: "ok", values: sig.results.map((t, i) => fromJS(t, results[i])) };
}

function get(req) {
  const [global, missing] = exportOf(req.handle, req.field);
  if (missing) return missing;
  return { kind: "ok", values: [fromJS(global.type().value, global.value)] };
}

function handle(req) {
  switch (req.op) {
    case "describe": return DESCRIBE;
    case "unsupported_profile": return { reason: declines(req.profile) };
    case "open": return open();
    case "close": session = null; return { kind: "ok", values: [] };
  }
  if (session === null) return { kind: "crash", message: "no session was opened" };
  switch (req.op) {
    case "instantiate": return instantiate(req);
    case "check": compile(req.module); return { kind: "ok", values: [] };
    case "register": {
      const instance = session.instances.get(req.handle);
      if (instance === undefined) return { kind: "crash", message: `unknown handle ${req.handle}` };
      session.registered.set(req.as, instance.exports);
      return { kind: "ok", values: [] };
    }
    case "invoke": return invoke(req);
    case "get": return get(req);
    default: return { kind: "unsupported", message: `unknown request ${req.op}` };
  }
}

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  let answer;
  let req = {};
  try {
    req = JSON.parse(line);
    answer = handle(req);
  } catch (e) {
    answer = outcomeOfError(e, req.op);
  }
  process.stdout.write(JSON.stringify(answer) + "\n");
}
