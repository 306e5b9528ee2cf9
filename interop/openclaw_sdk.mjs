// Drives OpenClaw's own session-store code (its public plugin SDK) for the interop checks.
//
//   node openclaw_sdk.mjs <openclaw install dir> <command> [args...]
//
// Commands print one JSON document on stdout:
//   json-load FILE        2026.7.35: loadSessionStore(FILE) as OpenClaw sees it
//   json-rewrite FILE OUT 2026.7.35: load FILE, then saveSessionStore(OUT) (OpenClaw's own bytes)
//   sqlite-list AGENT     2026.9.6: listSessionEntries for the agent (reads the SQLite rows)
//   sqlite-get AGENT KEY  2026.9.6: getSessionEntry (the exact-row read path)
//   sqlite-patch AGENT KEY JSON   2026.9.6: patchSessionEntry with the JSON object as the patch
//   sqlite-bump AGENT KEY FIELD N 2026.9.6: prints "ready", waits for a line on stdin, then
//                         increments FIELD of KEY N times, one patchSessionEntry each
import { createRequire } from "node:module";
import path from "node:path";

const [installDir, command, ...args] = process.argv.slice(2);
const require = createRequire(path.join(installDir, "package.json"));
const sdk = await import(require.resolve("openclaw/plugin-sdk/session-store-runtime"));

async function run() {
  switch (command) {
    case "json-load":
      return sdk.loadSessionStore(args[0], { skipCache: true });
    case "json-rewrite": {
      // Saved to a second path that holds other content, so OpenClaw cannot skip the write as
      // "unchanged": the bytes there are its own serialization of what it loaded from ours.
      const store = sdk.loadSessionStore(args[0], { skipCache: true });
      await sdk.saveSessionStore(args[1], store);
      return { rewritten: Object.keys(store).length };
    }
    case "sqlite-list":
      return sdk.listSessionEntries({ agentId: args[0] });
    case "sqlite-get":
      return sdk.getSessionEntry({ agentId: args[0], sessionKey: args[1] }) ?? null;
    case "sqlite-patch": {
      const patch = JSON.parse(args[2]);
      return await sdk.patchSessionEntry({ agentId: args[0], sessionKey: args[1], update: () => patch });
    }
    case "sqlite-bump": {
      const [agentId, sessionKey, field, count] = args;
      sdk.getSessionEntry({ agentId, sessionKey });
      process.stderr.write("ready\n");
      await new Promise((resolve) => process.stdin.once("data", resolve));
      process.stdin.pause();
      // OpenClaw's writer gives up with "SQLite session state changed while preparing ..." when
      // the row moved under it (it never overwrites); like its callers, we try that one again.
      let retries = 0;
      for (let i = 0; i < Number(count); i++) {
        for (;;) {
          try {
            await sdk.patchSessionEntry({
              agentId,
              sessionKey,
              update: (entry) => ({ [field]: (entry[field] ?? 0) + 1 }),
            });
            break;
          } catch (error) {
            if (!String(error?.message).includes("state changed") || ++retries > 1000) throw error;
          }
        }
      }
      return { bumped: Number(count), retries };
    }
    default:
      throw new Error(`unknown command ${command}`);
  }
}

try {
  process.stdout.write(JSON.stringify(await run()));
  process.exit(0);
} catch (error) {
  process.stdout.write(JSON.stringify({ error: String(error?.message ?? error) }));
  process.exit(3);
}
