"""Recovery never replaces a file of which it kept no copy (review finding on recover())."""

from __future__ import annotations

import shutil

import pytest

import openclaw_tui.store.recovery as recovery_module
from openclaw_tui.store import SessionStore, StoreConflictError

pytestmark = pytest.mark.anyio

BROKEN = b'{"a": {"sessionId": "x"'
FIXED_BY_SOMEONE_ELSE = b'{\n  "b": {\n    "sessionId": "y",\n    "updatedAt": 1\n  }\n}'


async def test_a_file_fixed_while_recovering_is_not_overwritten(tmp_path, monkeypatch):
    path = tmp_path / "sessions.json"
    path.write_bytes(BROKEN)
    real_copy = shutil.copy2

    def copy_then_another_program_fixes_the_file(src, dst):  # type: ignore[no-untyped-def]
        result = real_copy(src, dst)
        # Another program repairs the store right after our copy of the broken one.
        path.write_bytes(FIXED_BY_SOMEONE_ELSE)
        return result

    monkeypatch.setattr(recovery_module.shutil, "copy2", copy_then_another_program_fixes_the_file)
    async with SessionStore(path, watch=False) as store:
        with pytest.raises(StoreConflictError, match="changed while it was being recovered"):
            await store.recover()
    assert path.read_bytes() == FIXED_BY_SOMEONE_ELSE
    kept = sorted(tmp_path.glob("sessions.json.corrupt-*"))
    assert len(kept) == 1 and kept[0].read_bytes() == BROKEN
