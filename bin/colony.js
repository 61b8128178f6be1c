#!/usr/bin/env node
// The `colony` command: loads the TypeScript CLI through tsx, so no build step is needed.
import { register } from "tsx/esm/api";

// `colony ... | head`: a reader that closes the pipe early is not an error, as with any Unix tool.
for (const stream of [process.stdout, process.stderr])
  stream.on("error", (e) => {
    if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw e;
  });
register();
const { main } = await import("../host/cli/main.ts");
process.exitCode = await main(process.argv);
