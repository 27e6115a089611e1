"""Generated-module campaigns: random valid modules, run differentially."""
