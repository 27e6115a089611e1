"""harness: runs WebAssembly spec scripts against engines and compares them."""
