"""A gateway session's transcript: chat.history, then the reply streaming in, tools, abort."""

from __future__ import annotations

import asyncio

import pytest

from openclaw_tui.store.transcript_model import TranscriptItem, merge_items
from openclaw_tui.store.transcripts.base import (
    TranscriptPage,
    TranscriptSource,
    TranscriptUnavailable,
)
from tests.gateway.fake_runs import RunningFakeGateway
from tests.gateway.helpers import make_store

pytestmark = pytest.mark.anyio

KEY = "agent:main:main"


class Viewer:
    """What a transcript view shows: the tail, then every update applied by the rules."""

    def __init__(self, source) -> None:
        self.source = source
        self.shown: list[TranscriptItem] = []
        self.updates = 0
        self._changed = asyncio.Condition()
        self._task: asyncio.Task | None = None

    async def open(self, n: int = 50):
        page = await self.source.tail(n)
        if isinstance(page, TranscriptPage):
            self.shown = list(page.items)
        self._task = asyncio.ensure_future(self._follow())
        return page

    async def _follow(self) -> None:
        async for update in self.source.follow():
            if update.reset:
                self.shown = []
            merge_items(self.shown, update.items)
            self.updates += 1
            async with self._changed:
                self._changed.notify_all()

    async def until(self, predicate, timeout: float = 5.0) -> None:
        async def wait() -> None:
            async with self._changed:
                await self._changed.wait_for(lambda: predicate(self.shown))

        await asyncio.wait_for(wait(), timeout)

    async def close(self) -> None:
        await self.source.close()
        if self._task is not None:
            await asyncio.wait_for(self._task, 5)

    def lines(self) -> list[tuple[str, str, bool]]:
        return [(i.kind, i.text, i.partial) for i in self.shown]


@pytest.mark.parametrize("flavor", ["7", "9"])
async def test_history_then_a_reply_streaming_in_and_committed_once(tmp_path, flavor):
    async with RunningFakeGateway(flavor=flavor) as gw:
        gw.put(KEY, label="Main")
        await gw.begin_run(KEY, "first question")
        await gw.stream(KEY, "first answer")
        await gw.finish_run(KEY)
        async with make_store(gw, tmp_path) as store:
            await store.wait_synced(5)
            source = store.open_transcript(KEY)
            assert isinstance(source, TranscriptSource)
            viewer = Viewer(source)
            page = await viewer.open()
            assert isinstance(page, TranscriptPage)
            assert viewer.lines() == [
                ("user", "first question", False),
                ("assistant", "first answer", False),
            ]
            assert viewer.shown[1].cost_usd == pytest.approx(15815 * 3e-6 + 30 * 15e-6)
            await gw.begin_run(KEY, "second")
            await gw.stream(KEY, "Hel")
            await viewer.until(lambda s: s and s[-1].partial and s[-1].text == "Hel")
            await gw.stream(KEY, "lo")
            await viewer.until(lambda s: s and s[-1].text == "Hello")
            assert [line[0] for line in viewer.lines()][-2:] == ["user", "assistant"]
            await gw.finish_run(KEY)
            await viewer.until(lambda s: s and not s[-1].partial and s[-1].usage is not None)
            assert viewer.lines()[2:] == [("user", "second", False), ("assistant", "Hello", False)]
            await viewer.close()
            assert gw.params_of("chat.history") == [{"sessionKey": KEY, "limit": 50}]
            assert gw.params_of("sessions.messages.subscribe") == [{"key": KEY}]
            assert gw.errors == []


@pytest.mark.parametrize("flavor", ["7", "9"])
async def test_an_aborted_reply_is_shown_once_and_marked_aborted(tmp_path, flavor):
    async with RunningFakeGateway(flavor=flavor) as gw:
        gw.put(KEY, label="Main")
        async with make_store(gw, tmp_path, admin_scope=True) as store:
            await store.wait_synced(5)
            viewer = Viewer(store.open_transcript(KEY))
            await viewer.open()
            await gw.begin_run(KEY, "Please answer SLOW")
            await gw.stream(KEY, "Hello from the fake")
            await viewer.until(lambda s: s and s[-1].partial)
            result = await store.stop_run(KEY, timeout=5)
            assert result.outcome == "stopped"
            await viewer.until(lambda s: s and not s[-1].partial)
            # Let every event of the abort arrive: the next turn's user message marks the end.
            await gw.begin_run(KEY, "next")
            await viewer.until(lambda s: s and s[-1].kind == "user" and s[-1].text == "next")
            assistant = [i for i in viewer.shown if i.kind == "assistant"]
            assert [(i.text, i.aborted) for i in assistant] == [("Hello from the fake", True)]
            await viewer.close()


async def test_tool_calls_and_results_appear_live(tmp_path):
    async with RunningFakeGateway(flavor="9") as gw:
        gw.put(KEY, label="Main")
        async with make_store(gw, tmp_path) as store:
            await store.wait_synced(5)
            viewer = Viewer(store.open_transcript(KEY))
            await viewer.open()
            await gw.begin_run(KEY, "read it")
            await gw.call_tool(KEY, "read", {"path": "AGENTS.md", "limit": 3}, "# AGENTS\n...")
            await viewer.until(lambda s: s and s[-1].kind == "tool_result")
            call, result = viewer.shown[-2], viewer.shown[-1]
            assert (call.kind, call.tool_name, call.tool_args) == (
                "tool_call",
                "read",
                {"path": "AGENTS.md", "limit": 3},
            )
            assert (result.tool_name, result.text) == ("read", "# AGENTS\n...")
            assert result.tool_call_id is not None
            await viewer.close()
            # The history (where toolResult rows live) says the same.
            again = Viewer(store.open_transcript(KEY))
            page = await again.open()
            assert [i.kind for i in page.items] == ["user", "tool_call", "tool_result"]
            await again.close()


async def test_hostile_text_is_kept_as_data(tmp_path):
    hostile = "[bold red]x[/] \x1b[31mred\x1b[0m \u202egnp.exe"
    async with RunningFakeGateway() as gw:
        gw.put(KEY, label="Main")
        await gw.begin_run(KEY, hostile)
        async with make_store(gw, tmp_path) as store:
            await store.wait_synced(5)
            source = store.open_transcript(KEY)
            page = await source.tail(10)
            assert page.items[0].text == hostile
            await source.close()


async def test_an_unreachable_history_is_a_clear_line_not_an_error(tmp_path):
    async with RunningFakeGateway() as gw:
        store = make_store(gw, tmp_path)
        source = store.open_transcript(KEY)  # the store was never opened
        page = await source.tail(10)
        assert isinstance(page, TranscriptUnavailable)
        assert "not connected" in page.describe() and KEY in page.describe()
        await source.close()


async def test_a_reconnect_reads_the_history_again_as_a_reset(tmp_path):
    async with RunningFakeGateway() as gw:
        gw.put(KEY, label="Main")
        await gw.begin_run(KEY, "before")
        async with make_store(gw, tmp_path) as store:
            await store.wait_synced(5)
            viewer = Viewer(store.open_transcript(KEY))
            await viewer.open()
            await gw.drop_all()
            # While we were away a message was committed (no event reached us).
            gw.transcripts[KEY].append({"role": "user", "content": "missed", "timestamp": 5})
            await viewer.until(lambda s: [i.text for i in s] == ["before", "missed"])
            await viewer.close()


async def test_earlier_pages_back_through_the_history(tmp_path):
    async with RunningFakeGateway() as gw:
        gw.put(KEY, label="Main")
        gw.transcripts[KEY] = [
            {"role": "user", "content": f"m{i}", "timestamp": 1000 + i} for i in range(10)
        ]
        async with make_store(gw, tmp_path) as store:
            await store.wait_synced(5)
            source = store.open_transcript(KEY)
            page = await source.tail(4)
            assert [i.text for i in page.items] == ["m6", "m7", "m8", "m9"]
            assert page.has_earlier
            older = await source.earlier(4)
            assert [i.text for i in older.items] == ["m2", "m3", "m4", "m5"]
            oldest = await source.earlier(4)
            assert [i.text for i in oldest.items] == ["m0", "m1"]
            await source.close()
