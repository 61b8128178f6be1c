// Real agent modules for OTA tests, assembled byte by byte (no toolchain needed):
// exports version() -> i32, state() -> i32, restore(i32), healthy() -> i32, tick().
import { publisherKeyFromSeed, buildBundle, type PublisherKey } from "../../host/ota/index.ts";

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) return [...out, b];
    out.push(b | 0x80);
  }
}

const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const name = (s: string): number[] => [...uleb(s.length), ...Buffer.from(s)];
const body = (code: number[]): number[] => [...uleb(code.length + 2), 0, ...code, 0x0b];

export interface AgentSpec {
  version: number;
  healthy?: boolean;
  /** Pad the module with a custom section up to about this many bytes. */
  size?: number;
}

export function agentWasm(spec: AgentSpec): Uint8Array {
  const types = vec([
    [0x60, 0, 1, 0x7f],
    [0x60, 1, 0x7f, 0],
    [0x60, 0, 0],
  ]);
  const funcs = vec([[0], [0], [1], [0], [2]]);
  const globals = vec([[0x7f, 1, 0x41, 0, 0x0b]]);
  const exp = (n: string, idx: number): number[] => [...name(n), 0, idx];
  const exports = vec([exp("version", 0), exp("state", 1), exp("restore", 2), exp("healthy", 3), exp("tick", 4)]);
  const code = vec([
    body([0x41, ...sleb(spec.version)]),
    body([0x23, 0]),
    body([0x20, 0, 0x24, 0]),
    body([0x41, spec.healthy === false ? 0 : 1]),
    body([0x23, 0, 0x41, 1, 0x6a, 0x24, 0]),
  ]);
  const bytes = [0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, ...section(1, types), ...section(3, funcs), ...section(6, globals), ...section(7, exports), ...section(10, code)];
  if (spec.size && spec.size > bytes.length + 16) {
    const pad = spec.size - bytes.length - 12;
    bytes.push(...section(0, [...name("pad"), ...new Array<number>(pad).fill(0x5a)]));
  }
  return new Uint8Array(bytes);
}

export const PUBLISHER: PublisherKey = publisherKeyFromSeed(new Uint8Array(32).fill(7));
export const STRANGER: PublisherKey = publisherKeyFromSeed(new Uint8Array(32).fill(9));

export function manifest(version: string, abi = 1): Record<string, unknown> {
  return {
    name: "counter",
    version,
    abi,
    capabilities: ["clock", "log"],
    publish: [],
    subscribe: [],
    resources: { memoryPages: 1, fuelPerEvent: 100000 },
    models: [],
  };
}

export function counterBundle(version: string, opts: { healthy?: boolean; key?: PublisherKey; abi?: number; size?: number } = {}): Uint8Array {
  const major = Number(version.split(".")[0]) * 100 + Number(version.split(".")[1]) * 10 + Number(version.split(".")[2]);
  return buildBundle(manifest(version, opts.abi), agentWasm({ version: major, healthy: opts.healthy, size: opts.size }), opts.key ?? PUBLISHER);
}
