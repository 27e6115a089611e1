"""A campaign split into shards by seed, one pytest item per shard, so that
pytest-xdist spreads it over workers (``-n N``) and machines (execnet's
``--tx ssh=HOST//python=...``).  Item ``i`` of campaign ``seed`` is the same
module wherever it runs, so the shards together are exactly the campaign
``wasm-harness fuzz`` runs in one process.  Not collected by default (the
file name doesn't start with ``test_``): name it.

    FUZZ_CAMPAIGN=differential FUZZ_PROFILE=3.0 FUZZ_COUNT=20000 FUZZ_SHARDS=16 \\
        pytest tests/fuzz/campaign_shards.py -n 2 [--tx ssh=other//python=.venv/bin/python]

FUZZ_OUT: a folder for each shard's JSON summary and reproducers.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from harness.fuzz.campaign import Config, drive
from harness.fuzz.campaigns import CAMPAIGNS

CAMPAIGN = os.environ.get("FUZZ_CAMPAIGN", "differential")
SHARDS = int(os.environ.get("FUZZ_SHARDS", "4"))
OUT = Path(os.environ["FUZZ_OUT"]) if os.environ.get("FUZZ_OUT") else None


@pytest.mark.parametrize("shard", range(SHARDS))
def test_shard(shard: int) -> None:
    config = Config(
        seed=int(os.environ.get("FUZZ_SEED", "1")),
        count=int(os.environ.get("FUZZ_COUNT", "40")),
        profiles=tuple(os.environ.get("FUZZ_PROFILE", "2.0").split(";")),
        engines=tuple(os.environ.get("FUZZ_ENGINES", "refimpl,wasmtime").split(",")),
        out=OUT / f"shard-{shard}" if OUT else None,
        shard=(shard, SHARDS),
        progress=False,
    )
    summary = drive(CAMPAIGN, CAMPAIGNS[CAMPAIGN], config)
    if OUT:
        OUT.mkdir(parents=True, exist_ok=True)
        (OUT / f"shard-{shard}.json").write_text(json.dumps(summary, indent=2))
    failures = [f for p in summary["profiles"].values() for f in p["failures"]]
    assert not failures, json.dumps(failures, indent=2)[:4000]
