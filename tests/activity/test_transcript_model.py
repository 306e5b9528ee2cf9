"""Shared transcript item rules: a partial reply is replaced by its successor."""

from __future__ import annotations

import pytest

from openclaw_tui.store.transcript_model import TranscriptItem, merge_items


def test_a_partial_reply_is_replaced_in_place_by_the_next_delta_and_the_final_message():
    shown = [TranscriptItem("user", "hi", message_id="u1")]
    merge_items(shown, (TranscriptItem("assistant", "Hel", message_id="run-1", partial=True),))
    merge_items(shown, (TranscriptItem("assistant", "Hello", message_id="run-1", partial=True),))
    merge_items(shown, (TranscriptItem("assistant", "Hello.", message_id="run-1"),))
    assert [(i.kind, i.text, i.partial) for i in shown] == [
        ("user", "hi", False),
        ("assistant", "Hello.", False),
    ]


def test_a_final_item_is_never_replaced_and_unrelated_ids_append():
    shown = [TranscriptItem("assistant", "done", message_id="m1")]
    merge_items(
        shown,
        (
            TranscriptItem("assistant", "again", message_id="m1"),
            TranscriptItem("assistant", "other", message_id="m2", partial=True),
            TranscriptItem("assistant", "no id"),
        ),
    )
    assert [i.text for i in shown] == ["done", "again", "other", "no id"]


def test_items_are_immutable():
    item = TranscriptItem("user", "x")
    with pytest.raises(AttributeError):
        item.text = "y"  # type: ignore[misc]
