import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decode, encode } from "../../host/ota/cbor.ts";
import { OtaError, parseTrustedKeys, inspectBundle, readBundle, verifyBundle, compareSemVer, hex, parseKeyFile } from "../../host/ota/index.ts";
import { PUBLISHER, STRANGER, agentWasm, counterBundle } from "./fixtures.ts";

const trusted = [PUBLISHER.publicKey];

function reason(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof OtaError) return e.reason;
    throw e;
  }
  return "accepted";
}

describe("bundle", () => {
  it("fixture modules are valid wasm with the expected exports", async () => {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(agentWasm({ version: 120, size: 2048 }))));
    const e = instance.exports as Record<string, (...a: number[]) => number>;
    expect(e.version!()).toBe(120);
    e.restore!(41);
    e.tick!();
    expect(e.state!()).toBe(42);
    expect(agentWasm({ version: 1, size: 2048 }).length).toBeGreaterThanOrEqual(2040);
  });

  it("round-trips and verifies", () => {
    const bytes = counterBundle("1.2.0");
    const b = verifyBundle(bytes, { trustedKeys: trusted, abi: [1], notOlderThan: "1.1.9" });
    expect(b.manifest.name).toBe("counter");
    expect(b.manifest.version).toBe("1.2.0");
    const top = decode(bytes) as Record<string, unknown>;
    expect(Object.keys(top).sort()).toEqual(["manifest", "signature", "wasm"]);
  });

  it("refuses each fault with its reason", () => {
    const good = counterBundle("1.2.0");
    const b = readBundle(good);
    // a module byte changed: the signed hash no longer matches
    const wasm = new Uint8Array(b.wasm);
    wasm[wasm.length - 1]! ^= 1;
    const tamperedWasm = encode({ manifest: b.manifestBytes, wasm, signature: { alg: "ed25519", key: b.publicKey, sig: b.signature } });
    expect(reason(() => verifyBundle(tamperedWasm, { trustedKeys: trusted }))).toBe("tampered");
    // the manifest rewritten (capabilities widened)
    const m2 = encode({ ...b.manifest, capabilities: ["clock", "log", "actuator"] });
    const tamperedManifest = encode({ manifest: m2, wasm: b.wasm, signature: { alg: "ed25519", key: b.publicKey, sig: b.signature } });
    expect(reason(() => verifyBundle(tamperedManifest, { trustedKeys: trusted }))).toBe("tampered");
    expect(reason(() => verifyBundle(counterBundle("1.2.0", { key: STRANGER }), { trustedKeys: trusted }))).toBe("untrusted-key");
    expect(reason(() => verifyBundle(counterBundle("1.2.0", { abi: 2 }), { trustedKeys: trusted, abi: [1] }))).toBe("wrong-abi");
    expect(reason(() => verifyBundle(good, { trustedKeys: trusted, notOlderThan: "1.2.0" }))).toBe("older-version");
    expect(reason(() => verifyBundle(good, { trustedKeys: trusted, notOlderThan: "1.10.0" }))).toBe("older-version");
    for (const n of [0, 1, 10, good.length >> 1, good.length - 1]) expect(reason(() => verifyBundle(good.subarray(0, n), { trustedKeys: trusted }))).toBe(n === 0 ? "truncated" : "truncated");
    expect(reason(() => verifyBundle(encode({ hello: 1 }), { trustedKeys: trusted }))).toBe("malformed");
  });

  it("inspection reports instead of throwing", () => {
    const ok = inspectBundle(counterBundle("2.0.0"), trusted);
    expect(ok.ok).toBe(true);
    expect(ok.manifest?.version).toBe("2.0.0");
    expect(ok.publisherKey).toBe(hex(PUBLISHER.publicKey));
    const bad = inspectBundle(counterBundle("2.0.0", { key: STRANGER }), trusted);
    expect(bad).toMatchObject({ ok: false, reason: "untrusted-key" });
    expect(bad.manifest?.name).toBe("counter");
  });

  it("orders semver", () => {
    expect(compareSemVer("1.0.0-alpha", "1.0.0")).toBe(-1);
    expect(compareSemVer("1.0.0-alpha.1", "1.0.0-alpha.beta")).toBe(-1);
    expect(compareSemVer("1.0.0-rc.1", "1.0.0-beta.11")).toBe(1);
    expect(compareSemVer("1.10.0", "1.9.9")).toBe(1);
    expect(compareSemVer("1.2.3+build", "1.2.3")).toBe(0);
  });

  it("colony keys new / bundle / keys trust through the CLI", () => {
    const dir = mkdtempSync(join(tmpdir(), "colony-bundle-"));
    const cli = (...args: string[]): string => execFileSync("node", ["bin/colony.js", ...args], { cwd: process.cwd(), encoding: "utf8" });
    cli("keys", "new", "--out", join(dir, "pub.key"));
    const key = parseKeyFile(readFileSync(join(dir, "pub.key"), "utf8"), "pub.key");
    expect(cli("keys", "show", join(dir, "pub.key")).trim()).toBe(hex(key.publicKey));
    writeFileSync(join(dir, "a.wasm"), agentWasm({ version: 1 }));
    writeFileSync(join(dir, "m.json"), JSON.stringify({ name: "counter", version: "1.0.0", abi: 1, capabilities: [] }));
    cli("bundle", join(dir, "a.wasm"), "--manifest", join(dir, "m.json"), "--key", join(dir, "pub.key"), "--out", join(dir, "a.cab"));
    const b = verifyBundle(new Uint8Array(readFileSync(join(dir, "a.cab"))), { trustedKeys: [key.publicKey] });
    expect(b.manifest.version).toBe("1.0.0");
    cli("keys", "trust", join(dir, "pub.key"), "--site", "plant-1", "--store", join(dir, "trust.json"));
    expect(JSON.parse(readFileSync(join(dir, "trust.json"), "utf8")).sites["plant-1"]).toEqual([hex(key.publicKey)]);
    // Whatever form a trusted key comes in, it is the same key.
    for (const f of ["pub.key", "trust.json"]) expect(parseTrustedKeys(readFileSync(join(dir, f), "utf8"), f)).toEqual([key.publicKey]);
    expect(parseTrustedKeys(hex(key.publicKey) + "\n", "hex")).toEqual([key.publicKey]);
  });
});
