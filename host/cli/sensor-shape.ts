// `--sensor <alias>=<shape>[,noise=<n>][,rate=<hz>]` for `colony run`:
//   const:25            a constant
//   ramp:20..90@10s     from 20 to 90 over 10 s, then 90
//   step:20..90@10s     20, then 90 from 10 s on
//   sine:0.5@50[+1.2]   amplitude 0.5 at 50 Hz, around 1.2 (default 0)
import type { ShapedSpec, SensorShape } from "../hal/index.ts";
import { CliError } from "./errors.ts";
import { parseDurationFlag } from "./options.ts";

export const SENSOR_SHAPE_HELP = "const:V, ramp:A..B@10s, step:A..B@10s or sine:AMP@HZ[+OFFSET], then optionally ,noise=N ,rate=HZ";

const NUM = String.raw`[-+]?\d+(?:\.\d+)?`;

export function parseSensorFlag(v: string): { alias: string; spec: ShapedSpec } {
  const eq = v.indexOf("=");
  const alias = eq > 0 ? v.slice(0, eq).trim() : "";
  if (!/^[a-z][a-z0-9_-]*$/i.test(alias)) throw new CliError(`--sensor "${v}": expected <alias>=<shape>, e.g. temp0=ramp:20..90@10s`);
  const [shapeText, ...opts] = v.slice(eq + 1).split(",").map((s) => s.trim());
  const spec: ShapedSpec = { shape: parseShape(shapeText ?? "", v), rateHz: 100, noise: 0 };
  for (const o of opts) {
    const m = new RegExp(`^(noise|rate)=(${NUM})$`).exec(o);
    if (!m) throw new CliError(`--sensor "${v}": unknown option "${o}" (noise=<n> or rate=<hz>)`);
    const n = Number(m[2]);
    if (m[1] === "rate") {
      if (!(n > 0)) throw new CliError(`--sensor "${v}": rate must be positive`);
      spec.rateHz = n;
    } else {
      if (n < 0) throw new CliError(`--sensor "${v}": noise must not be negative`);
      spec.noise = n;
    }
  }
  return { alias, spec };
}

function parseShape(s: string, whole: string): SensorShape {
  const bad = (): never => {
    throw new CliError(`--sensor "${whole}": unknown shape "${s}" (${SENSOR_SHAPE_HELP})`);
  };
  let m = new RegExp(`^const:(${NUM})$`).exec(s);
  if (m) return { kind: "const", value: Number(m[1]) };
  m = new RegExp(`^(ramp|step):(${NUM})\\.\\.(${NUM})@(.+)$`).exec(s);
  if (m) {
    const ms = parseDurationFlag(m[4]!, `--sensor ${whole}`);
    if (m[1] === "ramp") {
      if (ms <= 0) throw new CliError(`--sensor "${whole}": a ramp needs a time above 0`);
      return { kind: "ramp", from: Number(m[2]), to: Number(m[3]), overMs: ms };
    }
    return { kind: "step", from: Number(m[2]), to: Number(m[3]), atMs: ms };
  }
  m = new RegExp(`^sine:(${NUM})@(${NUM})(?:\\+(${NUM}))?$`).exec(s);
  if (m) return { kind: "sine", amplitude: Number(m[1]), hz: Number(m[2]), offset: Number(m[3] ?? 0) };
  return bad();
}
