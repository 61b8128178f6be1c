// The page's script, bundled by esbuild from page/main.ts when the server starts; echarts is
// bundled in from node_modules, so the page needs no internet.
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

export async function bundlePage(): Promise<string> {
  const r = await build({
    entryPoints: [fileURLToPath(new URL("./page/main.ts", import.meta.url))],
    bundle: true,
    format: "iife",
    target: "es2020",
    minify: true,
    write: false,
    logLevel: "silent",
  });
  return r.outputFiles[0]!.text;
}
