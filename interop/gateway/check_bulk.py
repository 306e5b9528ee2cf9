"""Proof against real OpenClaw gateways that acting on many sessions works (``/bulk``, issue #14).

For each release, on loopback: seed sessions through the gateway, then ``update_entries``
archives 20 of them (2026.9.6 lists ``sessions.patchMany`` in its hello: one request with each
target's ``expectedSessionId``; 2026.7.35 does not: ``sessions.patch`` 8 at a time), the
gateway must describe them archived and a re-list show them archived (2026.7.35's list leaves
archived sessions out) and the others not; giving two sessions one label must come
back as the gateway's own refusal for the one it refused; ``delete_entries`` without
``operator.admin`` is refused per session with the gateway's message.

Usage: python interop/gateway/check_bulk.py [--versions 2026.7.35,2026.9.6]
Exit status 0 when every check passed, 1 otherwise, 2 when OpenClaw is not installed.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from check_gateways import Report, make_store, seed_by_rpc
from gateway_proc import Gateway, Unavailable, node_bin, run_main

VERSIONS = ("2026.7.35", "2026.9.6")


def bench_key(i: int) -> str:
    return f"agent:main:explicit:bench-{i:05d}"


async def check(version: str, report: Report) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="octui-bulk-"))
    try:
        async with Gateway(version) as gw:
            await seed_by_rpc(gw, 30, tmp)
            async with make_store(gw, tmp / "ours", "ours") as store:
                await store.wait_synced(60)
                many = store.offers_patch_many
                report.ok(
                    f"{version}: hello", f"sessions.patchMany {'offered' if many else 'absent'}"
                )
                keys = [bench_key(i) for i in range(20)]
                seen: list[str] = []
                start = time.perf_counter()
                results = await store.update_entries(
                    {key: {"archived": True} for key in keys},
                    on_result=lambda r: seen.append(r.key),
                )
                took = time.perf_counter() - start
                outcomes = {r.outcome for r in results}
                if outcomes != {"applied"} or sorted(seen) != sorted(keys):
                    problems = [f"{r.key}: {r.outcome} {r.message}" for r in results][:3]
                    report.fail(f"{version}: archive 20", "; ".join(problems))
                else:
                    how = "one sessions.patchMany" if many else "sessions.patch, 8 in flight"
                    report.ok(f"{version}: archive 20", f"{how}, {took * 1000:.0f} ms")
                described = [
                    (await store.client.request("sessions.describe", {"key": k}))["session"]
                    for k in keys[:3]
                ]
                if not all(row.get("archived") is True for row in described):
                    report.fail(f"{version}: describe after archive", str(described[0])[:200])
                else:
                    report.ok(f"{version}: describe after archive", "archived: true")
                await store.refresh()
                listed = [k for k in keys if store.get(k) is not None]
                archived = [k for k in listed if (store.get(k) or {}).get("archived") is True]
                others = [bench_key(i) for i in range(20, 30)]
                wrong = [k for k in others if (store.get(k) or {}).get("archived") is not False]
                if wrong or len(archived) != len(listed):
                    report.fail(
                        f"{version}: re-list after archive",
                        f"{len(archived)} of {len(listed)} listed are archived; {wrong[:3]}",
                    )
                else:
                    shown = "listed, archived" if listed else "no longer listed (this release)"
                    report.ok(f"{version}: re-list after archive", f"the 20: {shown}; 10 not")

                pair = [bench_key(20), bench_key(21)]
                labels = await store.update_entries({k: {"label": "Same label"} for k in pair})
                by_outcome = {r.outcome: r for r in labels}
                refused = by_outcome.get("refused")
                if refused is not None and "label already in use" in refused.message:
                    report.ok(
                        f"{version}: one label on two sessions",
                        f"{sorted(r.outcome for r in labels)}; refused: {refused.message}",
                    )
                else:
                    report.fail(
                        f"{version}: one label on two sessions",
                        "; ".join(f"{r.key}: {r.outcome} {r.message}" for r in labels),
                    )

                gone = await store.delete_entries([bench_key(28), bench_key(29)])
                messages = {r.message for r in gone}
                # Our connection holds read+write: sessions.delete needs operator.admin.
                if {r.outcome for r in gone} == {"refused"} and messages == {
                    "missing scope: operator.admin"
                }:
                    report.ok(f"{version}: delete 2 without admin", "refused: " + messages.pop())
                else:
                    report.fail(
                        f"{version}: delete 2 without admin",
                        "; ".join(f"{r.key}: {r.outcome} {r.message}" for r in gone),
                    )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--versions", default=",".join(VERSIONS))
    args = parser.parse_args()
    report = Report()
    try:
        node_bin()
    except Unavailable as exc:
        print(f"interop/gateway: {exc}", file=sys.stderr)
        return 2
    for version in args.versions.split(","):
        print(f"-- OpenClaw {version}", flush=True)
        try:
            await check(version, report)
        except Unavailable as exc:
            report.fail(f"{version}: bulk", str(exc))
        except Exception as exc:
            report.fail(f"{version}: bulk", f"{type(exc).__name__}: {exc}")
    print(f"bulk interop: {'PASS' if report.failures == 0 else 'FAIL'} ({report.failures} failed)")
    return 0 if report.failures == 0 else 1


if __name__ == "__main__":
    sys.exit(run_main(main))
