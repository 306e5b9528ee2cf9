"""The synthetic store generator: realistic, deterministic, shaped like OpenClaw's stores."""

from __future__ import annotations

import json
import random
from collections import Counter

from openclaw_tui.store.synthetic import apply_patch, generate_store, random_patch


def test_same_seed_same_store_and_other_seed_differs():
    assert generate_store(300, seed=7) == generate_store(300, seed=7)
    assert generate_store(300, seed=7) != generate_store(300, seed=8)


def test_mix_and_size_look_like_a_real_store():
    store = generate_store(5000, seed=1)
    assert len(store) == 5000
    assert next(iter(store)) == "agent:main:main"
    kinds = Counter(key.split(":")[2] for key in store)
    share = {k: v / len(store) for k, v in kinds.items()}
    assert 0.28 < share["telegram"] < 0.36
    assert 0.19 < share["discord"] < 0.27
    assert 0.08 < share["cron"] < 0.14
    assert any(":topic:" in k for k in store) and any(":thread:" in k for k in store)
    thinking = sum("thinkingLevel" in e for e in store.values()) / len(store)
    overrides = sum("modelOverride" in e for e in store.values()) / len(store)
    assert 0.30 < thinking < 0.40 and 0.15 < overrides < 0.25
    assert any(e.get("modelOverrideSource") == "auto" for e in store.values())
    size = len(json.dumps(store, indent=2, ensure_ascii=False)) / len(store)
    assert 650 < size < 950
    assert all(isinstance(e["sessionId"], str) and e["updatedAt"] > 0 for e in store.values())


def test_random_patch_uses_none_to_delete_and_apply_patch_honours_it():
    rng = random.Random(3)
    entry = generate_store(2, seed=2)["agent:main:main"]
    seen_delete = False
    for _ in range(200):
        patch = random_patch(rng, entry, 1_795_608_100_000)
        new = apply_patch(entry, patch)
        for field, value in patch.items():
            if value is None:
                seen_delete = True
                assert field not in new
            else:
                assert new[field] == value
        assert new["updatedAt"] == 1_795_608_100_000
        entry = new
    assert seen_delete
