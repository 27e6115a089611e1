"""Real modules under every init mode and engine lane (``wasm-harness corpus``)."""
