"""Opening a 100 MB 7.35 JSONL transcript: its last screen from the end vs a naive full parse.

A synthetic transcript shaped like the real-turns fixture (user turns, assistant replies with
usage and cost, tool calls and results of 0.5–40 KB, every fifth turn aborted with 7.35's side
branch + ``leaf`` entry, one 5 MB tool result near the end) is written to a temp dir. Each
measurement runs in a fresh child process (clean peak RSS):

* ours: ``JsonlTranscript.tail(50)``, then following to the end (``follow``'s first poll);
* baseline: read the whole file, parse every line, build the tree, walk the active branch and map
  the last 50 items with the same entry mapper.

The same entries are then written as 9.6 ``transcript_events`` rows (those of >= 1 KiB
zstd-compressed) with their active index, and ``SqliteTranscript.tail(50)`` is measured against
reading every row of the session in active order.

Targets (issue #12): tail < 200 ms and < 50 MB above the process's RSS before opening.

    python bench/bench_transcript_tail.py [--mb 100] [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TAIL_ITEMS = 50
TARGET_MS = 200.0
TARGET_MB = 50.0


def _rss_mb(field: str) -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field):
                return int(line.split()[1]) / 1024
    return 0.0


def write_transcript(path: Path, megabytes: int, seed: int = 7) -> int:
    """A linear-with-side-branches transcript of about ``megabytes`` MB; its line count."""
    rng = random.Random(seed)
    words = ["the", "gateway", "streams", "one", "token", "so", "an", "operator", "can", "watch"]
    target = megabytes * 1024 * 1024
    lines = 0
    parent: str | None = None
    turn = 0

    def text(n: int) -> str:
        return " ".join(rng.choice(words) for _ in range(n))

    with path.open("w") as out:

        def put(entry: dict) -> None:
            nonlocal lines
            out.write(json.dumps(entry) + "\n")
            lines += 1

        put({"type": "session", "version": 3, "id": "bench", "timestamp": "2026-12-02T06:00:00Z"})
        while out.tell() < target:
            turn += 1
            ts = 1796192794597 + turn * 1000
            user = f"u{turn}"
            put(message(user, parent, "user", text(20), ts))
            if turn % 5 == 0:  # an abort: side-appended injected reply, leaf back, runtime reply
                put(message(f"i{turn}", user, "assistant", [block(text(30))], ts, aborted=True))
                put({"type": "leaf", "id": f"l{turn}", "parentId": f"i{turn}", "targetId": user})
                reply = f"a{turn}"
                put(message(reply, user, "assistant", [block(text(30))], ts, stop="aborted"))
                parent = reply
                continue
            call = f"c{turn}"
            calls = [{"type": "toolCall", "id": call, "name": "read", "arguments": {"path": "x"}}]
            put(message(f"t{turn}", user, "assistant", [block(text(10)), *calls], ts))
            size = 5 * 1024 * 1024 if megabytes * 1024 * 1024 - out.tell() < 8e6 else 0
            body = "y" * size if size and turn % 7 == 0 else text(rng.randint(80, 6000))
            put(message(f"r{turn}", f"t{turn}", "toolResult", [block(body)], ts, tool=call))
            put(message(f"a{turn}", f"r{turn}", "assistant", [block(text(200))], ts))
            parent = f"a{turn}"
    return lines


def block(text: str) -> dict:
    return {"type": "text", "text": text}


def message(
    entry_id: str,
    parent: str | None,
    role: str,
    content: object,
    ts: int,
    *,
    aborted: bool = False,
    stop: str = "stop",
    tool: str | None = None,
) -> dict:
    body: dict = {"role": role, "content": content, "timestamp": ts}
    if role == "assistant":
        body |= {
            "provider": "fakellm",
            "model": "fake-model",
            "stopReason": stop,
            "usage": {"input": 21238, "output": 30, "totalTokens": 21268, "cost": {"total": 0.06}},
        }
        if aborted:
            body["openclawAbort"] = {"aborted": True, "origin": "rpc"}
    if tool:
        body |= {"toolCallId": tool, "toolName": "read", "isError": False}
    return {"type": "message", "id": entry_id, "parentId": parent, "message": body}


# -- the two contenders, each run in a child process ------------------------------------------


def child_ours(path: str) -> dict:
    from openclaw_tui.store.transcripts import JsonlTranscript, TranscriptPage

    async def run() -> dict:
        before = _rss_mb("VmRSS:")
        source = JsonlTranscript(Path(path))
        start = time.perf_counter()
        page = await source.tail(TAIL_ITEMS)
        elapsed = time.perf_counter() - start
        assert isinstance(page, TranscriptPage) and len(page.items) == TAIL_ITEMS
        poll = source._poll_sync()  # what follow's first look costs at the end of the file
        await source.close()
        return {
            "ms": elapsed * 1000,
            "extra_mb": _rss_mb("VmHWM:") - before,
            "items": [i.message_id for i in page.items],
            "poll": poll is None,
        }

    return asyncio.run(run())


def child_naive(path: str) -> dict:
    import orjson

    from openclaw_tui.store.transcripts.entries import entry_node

    before = _rss_mb("VmRSS:")
    start = time.perf_counter()
    by_id: dict = {}
    leaf = None
    with open(path, "rb") as fh:
        for raw in fh:
            entry = orjson.loads(raw)
            if entry.get("type") == "session":
                continue
            by_id[entry["id"]] = entry
            leaf = entry.get("targetId") if entry.get("type") == "leaf" else entry["id"]
    chain = []
    while leaf is not None:
        chain.append(by_id[leaf])
        leaf = by_id[leaf].get("parentId")
    items = [item for entry in reversed(chain) for item in entry_node(entry).items]
    items = items[-TAIL_ITEMS:]
    elapsed = time.perf_counter() - start
    return {
        "ms": elapsed * 1000,
        "extra_mb": _rss_mb("VmHWM:") - before,
        "items": [i.message_id for i in items],
    }


# -- 9.6 SQLite: the same entries as transcript_events rows -----------------------------------

SESSION = "bench-session"
_SCHEMA = """
CREATE TABLE transcript_events (session_id TEXT NOT NULL, seq INTEGER NOT NULL, event_json TEXT,
  created_at INTEGER NOT NULL, event_zstd BLOB, event_utf8_bytes INTEGER, navigation_json TEXT,
  PRIMARY KEY (session_id, seq));
CREATE TABLE session_transcript_active_events (session_id TEXT NOT NULL,
  active_position INTEGER NOT NULL, event_seq INTEGER NOT NULL, message_position INTEGER,
  context_eligible INTEGER, PRIMARY KEY (session_id, active_position));
CREATE TABLE session_transcript_index_state (session_id TEXT NOT NULL PRIMARY KEY,
  indexed_seq INTEGER NOT NULL, leaf_event_id TEXT, needs_rebuild INTEGER NOT NULL DEFAULT 0,
  active_event_count INTEGER NOT NULL DEFAULT 0, active_message_count INTEGER NOT NULL DEFAULT 0,
  updated_at INTEGER NOT NULL);
"""


def write_database(jsonl: Path, db: Path) -> None:
    """The JSONL's entries as rows (those of 1 KiB to 4 MiB zstd-compressed, as OpenClaw does) with
    OpenClaw's active index (the schema's columns we read; OpenClaw's CHECKs left out)."""
    import sqlite3

    if sys.version_info >= (3, 14):
        from compression.zstd import compress
    else:
        from backports.zstd import compress

    conn = sqlite3.connect(db, isolation_level=None)
    conn.executescript(_SCHEMA)
    conn.execute("BEGIN")
    seq_of: dict[str, int] = {}
    parent_of: dict[str, str | None] = {}
    leaf = None
    with jsonl.open("rb") as fh:
        for seq, raw in enumerate(fh):
            raw = raw.rstrip(b"\n")
            entry = json.loads(raw)
            if 1024 <= len(raw) <= 4 * 1024 * 1024:  # OpenClaw's CHECK bounds zstd rows
                row = (SESSION, seq, None, 1, compress(raw), len(raw), "{}")
            else:
                row = (SESSION, seq, raw.decode(), 1, None, len(raw), None)
            conn.execute("INSERT INTO transcript_events VALUES (?, ?, ?, ?, ?, ?, ?)", row)
            if entry.get("type") != "session":
                seq_of[entry["id"]] = seq
                parent_of[entry["id"]] = entry.get("parentId")
                leaf = entry.get("targetId") if entry.get("type") == "leaf" else entry["id"]
    chain = []
    while leaf is not None:
        chain.append(seq_of[leaf])
        leaf = parent_of[leaf]
    conn.executemany(
        "INSERT INTO session_transcript_active_events VALUES (?, ?, ?, NULL, 1)",
        [(SESSION, position, seq) for position, seq in enumerate(reversed(chain))],
    )
    conn.execute(
        "INSERT INTO session_transcript_index_state VALUES (?, ?, NULL, 0, ?, 0, 1)",
        (SESSION, max(seq_of.values()), len(chain)),
    )
    conn.execute("COMMIT")
    conn.close()


def child_ours_sqlite(path: str) -> dict:
    from openclaw_tui.store.transcripts import SqliteTranscript, TranscriptPage

    async def run() -> dict:
        before = _rss_mb("VmRSS:")
        source = SqliteTranscript(Path(path), SESSION)
        start = time.perf_counter()
        page = await source.tail(TAIL_ITEMS)
        elapsed = time.perf_counter() - start
        assert isinstance(page, TranscriptPage) and len(page.items) == TAIL_ITEMS, page
        poll = source._poll_sync()  # follow's first look: data_version unchanged
        await source.close()
        return {
            "ms": elapsed * 1000,
            "extra_mb": _rss_mb("VmHWM:") - before,
            "items": [i.message_id for i in page.items],
            "poll": poll is None,
        }

    return asyncio.run(run())


def child_naive_sqlite(path: str) -> dict:
    """Every row of the session in active order, decompressed and mapped; the last 50 items."""
    import sqlite3

    import orjson

    from openclaw_tui.store.transcripts.entries import entry_node
    from openclaw_tui.store.transcripts.zstd import decompress

    before = _rss_mb("VmRSS:")
    start = time.perf_counter()
    conn = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
    rows = conn.execute(
        "SELECT e.event_json, e.event_zstd, e.event_utf8_bytes FROM "
        "session_transcript_active_events a JOIN transcript_events e ON e.session_id = "
        "a.session_id AND e.seq = a.event_seq WHERE a.session_id = ? ORDER BY a.active_position",
        (SESSION,),
    ).fetchall()
    items = []
    for text, blob, size in rows:
        raw = decompress(blob, size) if blob is not None else text.encode()
        items.extend(entry_node(orjson.loads(raw)).items)
    items = items[-TAIL_ITEMS:]
    elapsed = time.perf_counter() - start
    conn.close()
    return {
        "ms": elapsed * 1000,
        "extra_mb": _rss_mb("VmHWM:") - before,
        "items": [i.message_id for i in items],
    }


CHILDREN = {
    "ours": child_ours,
    "naive": child_naive,
    "ours-sqlite": child_ours_sqlite,
    "naive-sqlite": child_naive_sqlite,
}


def compare(title: str, ours: list[dict], naive: list[dict]) -> bool:
    if any(o["items"] != naive[0]["items"] for o in ours):
        print(f"{title}: MISMATCH: the tail differs from the naive full read")
        return False
    ours_ms = statistics.median(o["ms"] for o in ours)
    naive_ms = statistics.median(n["ms"] for n in naive)
    ours_mb = max(o["extra_mb"] for o in ours)
    naive_mb = max(n["extra_mb"] for n in naive)
    print(title)
    rows = [
        (f"tail({TAIL_ITEMS}) from the end, median", ours_ms, "ms", f"target < {TARGET_MS:.0f}"),
        ("naive full read, median", naive_ms, "ms", f"{naive_ms / ours_ms:.0f}x slower"),
        ("extra peak RSS, ours (max)", ours_mb, "MB", f"target < {TARGET_MB:.0f}"),
        ("extra peak RSS, naive (max)", naive_mb, "MB", f"{naive_mb / max(ours_mb, 0.1):.0f}x"),
    ]
    for label, value, unit, note in rows:
        print(f"  {label:<36}{value:8.1f} {unit}  ({note})")
    follow_ok = all(o["poll"] for o in ours)
    print(
        f"  same {TAIL_ITEMS} items as the naive read: yes; follow's first poll at the end: "
        + ("nothing to read" if follow_ok else "READ SOMETHING")
    )
    return ours_ms < TARGET_MS and ours_mb < TARGET_MB and follow_ok


def run_child(kind: str, path: Path) -> dict:
    result = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(path)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(result.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=100)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, path = args.child
        print(json.dumps(CHILDREN[kind](path)))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "transcript.jsonl"
        start = time.perf_counter()
        lines = write_transcript(path, args.mb)
        size_mb = path.stat().st_size / 2**20
        print(
            f"transcript: {size_mb:.1f} MiB, {lines:,} lines ({time.perf_counter() - start:.1f} s)"
        )
        naive_runs = max(1, args.runs // 2)
        ours = [run_child("ours", path) for _ in range(args.runs)]
        naive = [run_child("naive", path) for _ in range(naive_runs)]
        ok = compare(f"7.35 JSONL ({size_mb:.0f} MiB)", ours, naive)
        db = Path(tmp) / "openclaw-agent.sqlite"
        write_database(path, db)
        path.unlink()
        db_mb = db.stat().st_size / 2**20
        ours = [run_child("ours-sqlite", db) for _ in range(args.runs)]
        naive = [run_child("naive-sqlite", db) for _ in range(naive_runs)]
        ok = compare(f"9.6 SQLite, same entries ({db_mb:.0f} MiB, zstd rows)", ours, naive) and ok
    print(f"  verdict: {'all targets met' if ok else 'a target was missed'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
