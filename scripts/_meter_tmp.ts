import { writeFileSync } from "node:fs";
import path from "node:path";
import { compileAssemblyScript } from "../host/compile/index.ts";
import { injectMetering } from "../host/wasm/index.ts";
const [src, out, ...flags] = process.argv.slice(2);
const raw = await compileAssemblyScript(path.relative(process.cwd(), src!), ["--noAssert", "--use", "abort=", ...flags]);
writeFileSync(out + ".raw.wasm", raw);
writeFileSync(out + ".wasm", injectMetering(raw).wasm);
