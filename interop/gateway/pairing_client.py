"""The remote side of the pairing check: runs inside the test's network namespace.

``python pairing_client.py URL CONFIG_DIR`` connects a ``GatewayStore`` (token from
``OPENCLAW_GATEWAY_TOKEN``) and prints one JSON object per line: ``{"state": ...}`` for every
connection state (with the pairing request id and the approve command), then
``{"synced": n, "deviceToken": bool}`` once approved and listed. Exits 0 when synced, 1 otherwise.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from openclaw_tui.store.events import ConnectionState  # noqa: E402
from openclaw_tui.store.gateway import Backoff, DeviceTokenStore, GatewayStore  # noqa: E402
from openclaw_tui.store.gateway.identity import load_or_create_identity  # noqa: E402


def say(obj: dict[str, object]) -> None:
    print(json.dumps(obj), flush=True)


async def main(url: str, config_dir: str, timeout: float) -> int:
    # The gateway is on 10.99.0.1 in a private network namespace holding only lo: plain ws://
    # is what this check exercises, so it opts in to sending the token that way.
    store = GatewayStore(
        url, config_directory=config_dir, backoff=Backoff(0.5, 2.0), allow_insecure_token=True
    )
    sub = store.subscribe()

    async def report_states() -> None:
        async for event in sub:
            if isinstance(event, ConnectionState):
                say(
                    {
                        "state": event.state,
                        "detail": event.detail,
                        "request_id": event.extra.get("request_id"),
                        "command": event.extra.get("command"),
                    }
                )

    async with store:
        reporter = asyncio.create_task(report_states())
        try:
            await store.wait_synced(timeout)
        except Exception as exc:  # the message is the product here; no traceback
            say({"error": str(exc)})
            return 1
        finally:
            reporter.cancel()
        identity = load_or_create_identity(Path(config_dir))
        token = DeviceTokenStore(Path(config_dir)).get(store.url, identity.device_id)
        say(
            {
                "synced": len(store.load()),
                "deviceToken": token is not None,
                "scopes": list(store.scopes),
            }
        )
    return 0


if __name__ == "__main__":
    sys.exit(
        asyncio.run(main(sys.argv[1], sys.argv[2], float(sys.argv[3]) if len(sys.argv) > 3 else 90))
    )
