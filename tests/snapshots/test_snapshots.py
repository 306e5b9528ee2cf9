"""Snapshots of the app's main scenes (tests/scenes.py): fixed store, clock, size and paths.

Regenerate deliberately with ``pytest tests/snapshots --snapshot-update`` and look at the diff;
``make screenshots`` writes the same pictures into screenshots/.
"""

from __future__ import annotations

import pytest

from tests.scenes import SCENES, scenes_lock


@pytest.mark.parametrize("name", list(SCENES))
def test_scene(name: str, snap_compare) -> None:
    scene = SCENES[name]
    with scenes_lock():
        assert snap_compare(scene.setup(), run_before=scene.run_before, terminal_size=scene.size)
