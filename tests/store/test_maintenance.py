"""session.maintenance: only when configured, OpenClaw's rules, O(1) check on the hot path."""

from __future__ import annotations

import time

import pytest

from openclaw_tui.store import SessionStore
from openclaw_tui.store.codec import dumps
from openclaw_tui.store.maintenance import (
    DAY_MS,
    Maintenance,
    MaintenanceConfig,
    cap_high_water,
    parse_bytes,
    parse_duration_ms,
)
from tests.store.helpers import read_json

pytestmark = pytest.mark.anyio

NOW = int(time.time() * 1000)


def _store(tmp_path, entries):
    path = tmp_path / "sessions.json"
    path.write_bytes(dumps(entries))
    return path


def _dm(i: int, age_days: float) -> tuple[str, dict]:
    return f"agent:main:telegram:direct:{i}", {
        "sessionId": f"s{i}",
        "updatedAt": int(NOW - age_days * DAY_MS),
    }


def test_config_parsing_follows_openclaw():
    assert parse_duration_ms("30d", None) == 30 * DAY_MS
    assert parse_duration_ms("12h", None) == 12 * 3_600_000
    assert parse_duration_ms(7, None) == 7 * DAY_MS  # a bare number is days
    assert parse_duration_ms("soon", 5) == 5  # unparseable: the default
    assert parse_bytes("500mb") == 500 * 1024**2
    assert parse_bytes(1000) == 1000
    assert cap_high_water(500) == 550
    assert cap_high_water(20) == 21
    assert cap_high_water(0) == 1
    config = MaintenanceConfig.from_openclaw({"mode": "warn", "maxDiskBytes": "1mb"})
    assert config.mode == "warn" and config.high_water_bytes == int(0.8 * 1024**2)
    with pytest.raises(ValueError, match="mode"):
        MaintenanceConfig.from_openclaw({"mode": "sometimes"})


async def test_without_configuration_nothing_is_ever_evicted(tmp_path):
    entries = dict(_dm(i, 400) for i in range(700))
    path = _store(tmp_path, entries)
    async with SessionStore(path) as store:
        await store.update_entry("agent:main:main", {"x": 1}, create=True)
    assert len(read_json(path)) == 701


async def test_prune_and_cap_keep_protected_and_active_keys(tmp_path):
    entries = dict(_dm(i, 40 if i < 5 else 1 + i / 1000) for i in range(60))
    entries["agent:main:telegram:group:-100"] = {"sessionId": "g", "updatedAt": 1}  # protected
    entries["agent:main:cron:nightly"] = {"sessionId": "c", "updatedAt": int(NOW - 50 * DAY_MS)}
    path = _store(tmp_path, entries)
    config = MaintenanceConfig(prune_after_ms=30 * DAY_MS, max_entries=20)
    async with SessionStore(path, maintenance=config) as store:
        old_key = "agent:main:telegram:direct:0"  # 40 days old, but it is the one being edited
        await store.update_entry(old_key, {"label": "active"})
        data = read_json(path)
        assert old_key in data
        assert "agent:main:telegram:group:-100" in data
        assert "agent:main:cron:nightly" not in data  # synthetic keys are never protected
        assert all(f"agent:main:telegram:direct:{i}" not in data for i in range(1, 5))
        # capped to maxEntries: the protected and the active key, then the 18 newest others
        assert len(data) == 20
        kept = sorted(int(k.rsplit(":", 1)[1]) for k in data if ":direct:" in k)
        assert kept == [0, *range(5, 23)]  # a higher index is older in this store


async def test_warn_mode_deletes_nothing_and_reports(tmp_path):
    entries = dict(_dm(i, 40) for i in range(10))
    path = _store(tmp_path, entries)
    config = MaintenanceConfig(mode="warn", prune_after_ms=30 * DAY_MS, max_entries=500)
    async with SessionStore(path, maintenance=config) as store:
        report = await store.run_maintenance()
        assert len(report.would_remove) == 10
        assert report.warnings
        assert len(store.load()) == 10


async def test_skip_maintenance_and_explicit_run(tmp_path):
    entries = dict(_dm(i, 40) for i in range(10))
    path = _store(tmp_path, entries)
    config = MaintenanceConfig(prune_after_ms=30 * DAY_MS)
    async with SessionStore(path) as store:  # not configured on the store...
        await store.update_entry("agent:main:main", {"x": 1}, create=True)
        assert len(store.load()) == 11
        report = await store.run_maintenance(config)  # ...but available through the API
        assert len(report.pruned) == 10
        assert list(store.load()) == ["agent:main:main"]
    path.write_bytes(dumps(entries))
    async with SessionStore(path, maintenance=config) as store:
        await store.update_entry("agent:main:main", {"x": 1}, create=True, skip_maintenance=True)
        assert len(store.load()) == 11


async def test_disk_budget_removes_oldest_until_under_high_water(tmp_path):
    entries = dict(_dm(i, 1 + (100 - i) / 100) for i in range(100))
    path = _store(tmp_path, entries)
    size = path.stat().st_size
    config = MaintenanceConfig(
        prune_after_ms=None, max_entries=None, max_disk_bytes=size // 2, high_water_bytes=size // 3
    )
    async with SessionStore(path, maintenance=config) as store:
        await store.update_entry("agent:main:telegram:direct:99", {"label": "x"})
    assert path.stat().st_size <= size // 3 + 200
    data = read_json(path)
    assert "agent:main:telegram:direct:0" not in data  # the oldest went first
    assert "agent:main:telegram:direct:99" in data


def test_due_check_is_constant_time_and_index_follows_changes():
    engine = Maintenance(MaintenanceConfig(prune_after_ms=30 * DAY_MS, max_entries=500))
    entries = dict(_dm(i, 1) for i in range(1000))
    engine.reindex(entries)
    # 1000 >= 550: the cap is due; with fewer entries and nothing old, it is not.
    assert engine.due(1000, NOW)
    assert not engine.due(100, NOW)
    old_key, old = _dm(5000, 45)
    engine.observe({old_key: old}, [])
    assert engine.due(100, NOW)
    engine.observe({}, [old_key])
    assert not engine.due(100, NOW)
