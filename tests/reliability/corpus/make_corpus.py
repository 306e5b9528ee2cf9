"""Regenerate the fuzz corpus: ``python -m tests.reliability.corpus.make_corpus`` (from the repo).

Writes ``store/*.json`` (bad or odd sessions.json files) and ``manifest.json`` (each file's and
each command-bar input's expected outcome). The files are committed; this script documents how
each was made (several are not valid UTF-8 or JSON, so they cannot be written by hand easily).
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.shared_data import SMALL_JSON

HERE = Path(__file__).resolve().parent
FIXTURE = SMALL_JSON
MAIN = "agent:main:main"


def entry(**fields: object) -> dict[str, object]:
    return {
        "sessionId": "6a0d7f62-3b8e-4c1a-9f2d-1e5b7c9a0d11",
        "updatedAt": 1795611000000,
        **fields,
    }


def js(value: object) -> bytes:
    return json.dumps(value, indent=2, ensure_ascii=False).encode()


def error(message: list[str], kind: str = "StoreCorruptError") -> dict[str, object]:
    return {"expect": "error", "error": kind, "message": message}


def loaded(entries: int, issues: list[str] | None = None, kept: list[str] | None = None) -> dict:
    return {
        "expect": "loaded",
        "entries": entries,
        "issues": issues or [],
        "kept_bytes": kept or [],
    }


def read_only(entries: int, message: list[str]) -> dict[str, object]:
    return {
        "expect": "read_only",
        "entries": entries,
        "issues": ["duplicate_keys"],
        "message": message,
    }


fixture = FIXTURE.read_bytes()
STORE: dict[str, tuple[bytes, str, dict[str, object]]] = {
    "empty": (b"", "0-byte file", error(["empty"])),
    "whitespace": (b" \n\t\n", "only whitespace", error(["empty"])),
    "null": (b"null", "top level null", error(["top level is null"])),
    "array": (b"[]", "top level array", error(["top level is an array"])),
    "string": (b'"sessions"', "top level string", error(["top level is a string"])),
    "number": (b"42", "top level number", error(["top level is a number"])),
    "bom": (
        b"\xef\xbb\xbf" + js({MAIN: entry()}),
        "UTF-8 BOM + valid JSON",
        error(["byte order mark"]),
    ),
    "utf16": (
        '{"a": {}}'.encode("utf-16"),
        "UTF-16 with its BOM",
        error(["not valid UTF-8", "0xff", "offset 0"]),
    ),
    "non_utf8": (
        b'{"' + MAIN.encode() + b'": {"label": "caf\xe9"}}',
        "Latin-1 byte",
        error(["not valid UTF-8", "0xe9"]),
    ),
    "nan": (b'{"' + MAIN.encode() + b'": {"x": NaN}}', "NaN", error(["NaN", "not valid JSON"])),
    "infinity": (
        b'{"' + MAIN.encode() + b'": {"x": -Infinity}}',
        "-Infinity",
        error(["-Infinity"]),
    ),
    "float_overflow": (
        js({MAIN: entry()}).replace(b'"updatedAt": 1795611000000', b'"x": 1e400'),
        "1e400 (JS reads Infinity, writes null)",
        error(["1e400", "out of range"]),
    ),
    "deep_open": (b"[" * 20_000, "20,000 unclosed arrays", error(["nested too deeply"])),
    "deep_valid": (
        b'{"' + MAIN.encode() + b'": {"x": ' + b"[" * 5000 + b"]" * 5000 + b"}}",
        "valid JSON nested 5,000 deep",
        error(["nested too deeply"]),
    ),
    "truncated": (
        fixture[: len(fixture) // 2],
        "the fixture cut in half",
        error(["invalid JSON at line"]),
    ),
    "trailing_garbage": (fixture + b"\nx", "valid JSON followed by garbage", error(["Extra data"])),
    "binary": (bytes(range(256)), "binary garbage", error(["not valid UTF-8"])),
    "nul_byte": (b"{\x00}", "a NUL byte outside a string", error(["invalid JSON"])),
    "lone_surrogate": (
        js({MAIN: entry(label="cut SURROGATE")}).replace(b"SURROGATE", b"\\ud83d"),
        "lone surrogate (a label cut mid-emoji by JS)",
        loaded(1, kept=["\\ud83d"]),
    ),
    "big_integer": (
        js({MAIN: entry(inputTokens=123456789012345678901234567890)}),
        "integer over 64 bits",
        loaded(1, kept=["123456789012345678901234567890"]),
    ),
    "negative_big_integer": (
        js({MAIN: entry(x=-(2**70))}),
        "negative integer over 64 bits",
        loaded(1, kept=[str(-(2**70))]),
    ),
    "duplicate_top_keys": (
        b'{"'
        + MAIN.encode()
        + b'": {"sessionId": "a"}, "'
        + MAIN.encode()
        + b'": {"sessionId": "b"}}',
        "a session key twice",
        read_only(1, ["repeats keys", MAIN]),
    ),
    "duplicate_field": (
        b'{"' + MAIN.encode() + b'": {"sessionId": "a", "label": "x", "label": "y"}}',
        "a field twice in one entry",
        read_only(1, ["repeats keys", "label"]),
    ),
    "wrong_entry_types": (
        js({"n": 5, "z": None, "l": [1], "s": "text", "b": True, MAIN: entry()}),
        "entries that are not objects",
        loaded(1, ["not_an_object"] * 5, kept=['"n": 5', '"z": null', '"s": "text"', '"b": true']),
    ),
    "unsafe_session_ids": (
        js(
            {
                MAIN: entry(sessionId="../../etc/passwd"),
                "agent:main:x": entry(sessionId="has space"),
                "agent:main:y": entry(sessionId="/abs/path"),
            }
        ),
        "sessionIds that are paths",
        loaded(3, ["unsafe_session_id"] * 3, kept=["../../etc/passwd"]),
    ),
    "outside_session_file": (
        js(
            {
                MAIN: entry(sessionFile="../../../../etc/shadow"),
                "agent:main:y": entry(sessionFile="/etc/passwd"),
            }
        ),
        "sessionFile outside the sessions directory",
        loaded(2, kept=["../../../../etc/shadow", "/etc/passwd"]),
    ),
    "wrong_field_types": (
        js(
            {
                MAIN: entry(
                    updatedAt="yesterday", thinkingLevel=42, origin="x", sessionFile=7, label=["a"]
                )
            }
        ),
        "known fields with wrong types",
        loaded(1, kept=['"updatedAt": "yesterday"', '"thinkingLevel": 42', '"sessionFile": 7']),
    ),
    "escape_codes": (
        js(
            {
                "agent:main:\x1b]8;;http://x\x07k": entry(
                    label="\x1b[31mred\x1b[0m [bold]b[/bold] [link=http://x]l[/link]"
                )
            }
        ),
        "terminal escapes and markup in keys and labels",
        loaded(1, kept=["\\u001b[31mred", "[bold]b[/bold]"]),
    ),
    "nul_in_string": (
        js({MAIN: entry(label="a\x00b")}),
        "a NUL inside a string",
        loaded(1, kept=["a\\u0000b"]),
    ),
    "unknown_fields": (
        js(
            {
                MAIN: entry(
                    myCustomField={"nested": [1, 2, {"x": True}]},
                    futureFlag=None,
                    **{"key with spaces": "v"},
                )
            }
        ),
        "unknown fields",
        loaded(1, kept=['"myCustomField"', '"futureFlag": null', '"key with spaces": "v"']),
    ),
    "number_spellings": (
        b'{"'
        + MAIN.encode()
        + b'": {"sessionId": "a", "updatedAt": 1, "x": 1E2, "y": 1.50, "z": -0.0}}',
        "numbers JS would spell differently (values kept, spelling normalized)",
        loaded(1),
    ),
    "empty_object": (b"{}", "an empty store", loaded(0)),
}

COMMANDS = [
    {"input": "", "ok": False, "message": ["Type a command"]},
    {"input": "/", "ok": False, "message": ["Type a command"]},
    {"input": "/nope", "ok": False, "message": ['Unknown command "/nope"']},
    {"input": "//think high", "ok": False, "message": ["Unknown command", "/think"]},
    {"input": "/think banana", "ok": False, "message": ['Unrecognized thinking level "banana"']},
    {"input": "/think high extra", "ok": False, "message": ["Unrecognized thinking level"]},
    {"input": "/think high;rm -rf /", "ok": False, "message": ["Unrecognized thinking level"]},
    {"input": "/think\u0000high", "ok": False, "message": ["Unknown command"]},
    {"input": "/think \u202ehigh", "ok": False, "message": ["Unrecognized thinking level"]},
    {
        "input": "/think " + "h" * 100_000,
        "ok": False,
        "message": ["Unrecognized thinking level", "\u2026"],
    },
    {"input": "/verbose \u0663", "ok": False, "message": ["Unrecognized verbose level"]},
    {"input": "/queue cap:-1", "ok": False, "message": ['Invalid cap "-1"']},
    {"input": "/queue cap:99999999999999999999", "ok": False, "message": ["Invalid cap"]},
    {"input": "/queue cap:\uff11\uff10", "ok": False, "message": ["Invalid cap"]},
    {"input": "/queue debounce:1e400", "ok": False, "message": ["Invalid debounce"]},
    {"input": "/usage banana", "ok": False, "message": ["Usage: /usage"]},
    {"input": "/activation", "ok": False, "message": ["Usage: /activation"]},
    {"input": "/send maybe", "ok": False, "message": ["Usage: /send"]},
    {"input": "/label", "ok": False, "message": ["Usage: /label"]},
    {
        "input": "/label \u001b[31mred\u001b[0m",
        "ok": False,
        "message": ["control or direction-changing"],
    },
    {"input": "/label a\u202eb", "ok": False, "message": ["control or direction-changing"]},
    {"input": "/reset", "ok": False, "needs_confirmation": True, "message": ["/reset"]},
    {
        "input": "/label [bold]x[/bold]",
        "ok": True,
        "message": ["[bold]x[/bold]"],
        "stored": {"label": "[bold]x[/bold]"},
    },
    {
        "input": "/model [red]x[/red]",
        "ok": True,
        "message": ["[red]x[/red]"],
        "stored": {"providerOverride": "[red]x[", "modelOverride": "red]"},
    },
    {
        "input": "/think high",
        "key": "agent:main:gone",
        "ok": False,
        "message": ["agent:main:gone", "nothing was changed"],
    },
]


def main() -> None:
    store_dir = HERE / "store"
    store_dir.mkdir(exist_ok=True)
    manifest: dict[str, object] = {"store": [], "commands": COMMANDS}
    for name, (raw, why, expect) in STORE.items():
        (store_dir / f"{name}.json").write_bytes(raw)
        manifest["store"].append({"file": f"store/{name}.json", "why": why, **expect})  # type: ignore[union-attr]
    (HERE / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=True) + "\n")


if __name__ == "__main__":
    main()
