// firmware/ota (C) against host/ota: bundles built by host/ota's builder are accepted, bad ones
// refused with host/ota's reasons; installs, rollbacks and 100 power cuts on a simulated NOR
// flash (test/firmware/harness/ota.c), mirroring test/ota/slots.test.ts; the site policy's
// update rules, generated as `colony firmware build --policy` does, against UpdateGate.
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { OtaError, buildBundle, hex, verifyBundle, type PublisherKey } from "../../host/ota/index.ts";
import { parsePolicy, UpdateGate } from "../../host/governance/index.ts";
import { encode } from "../../host/ota/cbor.ts";
import { buildModulesImage, readModulesImage } from "../../host/firmware/esp32/index.ts";
import { PUBLISHER, STRANGER, agentWasm, counterBundle, manifest } from "../ota/fixtures.ts";
import { buildOtaHarness, missingTools, OUT } from "./helpers.ts";

const missing = missingTools(["cc"]);
const BIN = path.join(OUT, "ota");
const DIR = path.join(OUT, "ota-bundles");
const KEY = hex(PUBLISHER.publicKey);

let files = 0;
function file(bytes: Uint8Array): string {
  const f = path.join(DIR, `b${files++}.cab`);
  writeFileSync(f, bytes);
  return f;
}
const harness = (...args: string[]): string[] => execFileSync(BIN, args, { encoding: "utf8" }).trim().split("\n");

function hostReason(bytes: Uint8Array, floor: string | null): string {
  try {
    const b = verifyBundle(bytes, { trustedKeys: [PUBLISHER.publicKey], abi: [1], notOlderThan: floor });
    return `ok ${b.manifest.version}`;
  } catch (e) {
    if (e instanceof OtaError) return e.reason;
    throw e;
  }
}

const versioned = (version: string, abi = 1) => buildBundle({ ...manifest(version, abi) }, agentWasm({ version: 1, size: 600 }), PUBLISHER);

// One build of the harness for both suites below.
beforeAll(() => {
  if (missing.length > 0) return;
  mkdirSync(DIR, { recursive: true });
  buildOtaHarness(BIN);
});

describe.skipIf(missing.length > 0)("firmware OTA (C) against host/ota", () => {
  it("accepts what host/ota accepts and refuses the rest with the same reason", () => {
    const v2 = counterBundle("2.0.0", { size: 2048 });
    const cases: [Uint8Array, string | null][] = [
      [counterBundle("1.0.0"), null],
      [v2, null],
      [v2, "1.9.9"],
      [v2, "2.0.0"],
      [v2, "2.0.1"],
      [v2, "10.0.0"],
      [counterBundle("2.0.0", { key: STRANGER }), null],
      [counterBundle("2.0.0", { abi: 2 }), null],
      [new Uint8Array([1, 2, 3]), null],
      [encode([1, 2]), null],
      [encode({ manifest: new Uint8Array(3), wasm: new Uint8Array(8) }), null],
      [encode({ manifest: new Uint8Array([0xa1, 0x61]), wasm: new Uint8Array(8), signature: { alg: "ed25519", key: new Uint8Array(32), sig: new Uint8Array(64) } }), null],
      [encode({ manifest: encode({ name: "Bad!", version: "1.0.0", abi: 1 }), wasm: new Uint8Array(8), signature: { alg: "ed25519", key: new Uint8Array(32), sig: new Uint8Array(64) } }), null],
      [encode({ manifest: encode({ name: "x", version: "1.0", abi: 1 }), wasm: new Uint8Array(8), signature: { alg: "ed25519", key: new Uint8Array(32), sig: new Uint8Array(64) } }), null],
      [encode({ manifest: encode({ name: "x", version: "1.0.0", abi: 0 }), wasm: new Uint8Array(8), signature: { alg: "ed25519", key: new Uint8Array(32), sig: new Uint8Array(64) } }), null],
      [encode({ manifest: encode({ name: "x", version: "1.0.0", abi: 1 }), wasm: new Uint8Array(8), signature: { alg: "rsa", key: new Uint8Array(32), sig: new Uint8Array(64) } }), null],
      [encode({ manifest: encode({ name: "x", version: "1.0.0", abi: 1 }), wasm: new Uint8Array(8), signature: { alg: "ed25519", key: new Uint8Array(31), sig: new Uint8Array(64) } }), null],
      [new Uint8Array([...v2, 0]), null],
    ];
    // Semver precedence through the anti-rollback check (semver.org's own ordering example).
    const order = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1+build.5", "1.10.0"];
    for (const v of order) for (const f of ["1.0.0-alpha.1", "1.0.0-beta.2", "1.0.0", "1.0.1"]) cases.push([versioned(v), f]);
    // Tampering: one bit flipped at every 97th byte (manifest, module, signature, framing).
    for (let i = 0; i < v2.length; i += 97) {
      const t = new Uint8Array(v2);
      t[i]! ^= 0x10;
      cases.push([t, null]);
    }
    // Truncation at every 53rd length.
    for (let n = 0; n < v2.length; n += 53) cases.push([v2.subarray(0, n), null]);
    const got = harness("verify", KEY, "-", ...cases.filter(([, f]) => f === null).map(([b]) => file(b)));
    const withFloor = cases.filter(([, f]) => f !== null);
    const gotFloor = withFloor.map(([b, f]) => harness("verify", KEY, f!, file(b))[0]);
    const expected = cases.filter(([, f]) => f === null).map(([b]) => hostReason(b, null));
    expect(got).toEqual(expected);
    expect(gotFloor).toEqual(withFloor.map(([b, f]) => hostReason(b, f)));
    // The cases cover every refusal a bundle can get.
    expect(new Set([...expected, ...gotFloor].map((r) => r.split(" ")[0]))).toEqual(new Set(["ok", "truncated", "malformed", "tampered", "untrusted-key", "wrong-abi", "older-version"]));
  });

  it("installs and commits, rolls back a failing health window, refuses bad bundles, reverts and reboots, state handed over", () => {
    const f = (b: Uint8Array) => file(b);
    const lines = harness(
      "install",
      KEY,
      f(counterBundle("1.0.0", { size: 2048 })),
      "--sick",
      "2.0.0",
      f(counterBundle("2.0.0", { size: 2048 })),
      f(counterBundle("3.0.0", { key: STRANGER })),
      f(counterBundle("3.0.0", { abi: 2 })),
      f(counterBundle("3.0.0", { size: 3000 })),
      f(counterBundle("2.5.0")),
      "--reboot",
      "--revert",
      "--reboot",
    );
    expect(lines).toEqual([
      "rolled-back health-check running 1.0.0 state 8",
      "refused untrusted-key running 1.0.0 state 9",
      "refused wrong-abi running 1.0.0 state 10",
      "committed running 3.0.0 state 11",
      "refused older-version running 3.0.0 state 12",
      // the state saved at the handover: 11
      "reboot running 3.0.0 state 11",
      "revert ok running 1.0.0 state 11",
      "reboot running 1.0.0 state 11",
    ]);
  });

  it("a power cut at 100 random points of an install leaves exactly one version running with intact state", () => {
    const v1 = file(counterBundle("1.0.0", { size: 2048 }));
    const v2 = file(counterBundle("2.0.0", { size: 2048 }));
    const lines = harness("powercut", KEY, v1, v2, "100", "2024");
    expect(lines).toHaveLength(100);
    const seen = { old: 0, new: 0 };
    const ops = new Set<number>();
    for (const l of lines) {
      const [op, total, version, state, again] = l.split(" ");
      ops.add(Number(op));
      expect(Number(total), l).toBeGreaterThan(10);
      if (version === "2.0.0") {
        seen.new++;
        expect(state, `${l}: the new version's state`).toBe("8");
      } else {
        seen.old++;
        expect(version, l).toBe("1.0.0");
        expect(["5", "8"], `${l}: the old version's state`).toContain(state);
        expect(again, `${l}: the device can still be updated`).toBe("committed");
      }
    }
    // Only the run cut after the last operation completes the install (as in test/ota).
    expect(seen).toEqual({ old: 99, new: 1 });
    expect(ops.size).toBeGreaterThan(40);
  });
});

describe.skipIf(missing.length > 0)("firmware OTA (C): the agents partition", () => {
  const meter = (version: string) => buildBundle({ ...manifest(version), name: "meter" }, agentWasm({ version: 1, size: 900 }), PUBLISHER);

  it("provisions each module of `colony flash`'s image on first boot, boots the slots after, keeps OTA installs", () => {
    const image = buildModulesImage([
      { name: "counter", bytes: counterBundle("1.0.0", { size: 2048 }) },
      { name: "meter", bytes: meter("1.0.0") },
    ]);
    const meterAt = readModulesImage(image).length; // both parse on the host
    expect(meterAt).toBe(2);
    const lines = harness("modules", KEY, file(image), "--tick", "0", "--tick", "0", "--tick", "1", "--install", "0", file(counterBundle("2.0.0")), "--reboot", "--install", "1", file(counterBundle("3.0.0")), "--flip", "100", "--reboot");
    expect(lines).toEqual([
      "counter 1.0.0 0 | meter 1.0.0 0",
      "install 0 committed",
      "counter 2.0.0 2 | meter 1.0.0 1",
      "install 1 wrong-agent",
      // a damaged factory image no longer matters once the slots are provisioned
      "counter 2.0.0 2 | meter 1.0.0 1",
    ]);
  });

  it("refuses a damaged image's modules and one signed by an untrusted key, boots the rest", () => {
    const image = buildModulesImage([
      { name: "counter", bytes: counterBundle("1.0.0", { key: STRANGER }) },
      { name: "meter", bytes: meter("1.0.0") },
    ]);
    expect(harness("modules", KEY, file(image))).toEqual(["- - 0 | meter 1.0.0 0"]);
    const bad = new Uint8Array(image);
    bad[bad.length - 40]! ^= 1; // inside the last module: its SHA-256 and the image CRC fail
    expect(harness("modules", KEY, file(bad))).toEqual(["- - 0 | - - 0"]);
    const notImage = new Uint8Array(image);
    notImage[0] = 0x41;
    expect(harness("modules", KEY, file(notImage))).toEqual(["boot malformed"]);
  });
});

describe.skipIf(missing.length > 0)("firmware OTA (C): the site policy's update rules against host/governance's UpdateGate", () => {
  const BOTH = `${KEY},${hex(STRANGER.publicKey)}`;
  const policies = [
    parsePolicy(
      [
        "updates:",
        `  - { agents: [counter], publishers: [${KEY}], newCapabilities: [sensor:temp0], newTopics: [telemetry/temp] }`,
        "  - { agents: [meter], publishers: ['*'], newCapabilities: any, newTopics: none }",
      ].join("\n"),
      "p-a.yaml",
    ),
    // a "*" rule first shadows the one naming counter; the key in capitals is the same key
    parsePolicy(
      [
        "updates:",
        `  - { agents: ['*'], publishers: [${hex(STRANGER.publicKey).toUpperCase()}], newCapabilities: none, newTopics: any }`,
        "  - { agents: [counter], publishers: ['*'], newCapabilities: any, newTopics: any }",
      ].join("\n"),
      "p-b.yaml",
    ),
  ];
  const AGENTS = ["counter", "meter", "gauge"]; // gauge: no rule names it in p-a.yaml
  const grants = { capabilities: ["clock", "log"], publish: ["telemetry/a"], subscribe: ["cmd/x"] };
  const releases: [string, Record<string, unknown>, PublisherKey][] = [
    ["same grants", {}, PUBLISHER],
    ["same grants, the other key", {}, STRANGER],
    ["a capability a rule lists", { capabilities: ["clock", "log", "sensor:temp0"] }, PUBLISHER],
    ["capabilities no rule lists, one twice", { capabilities: ["actuator:valve0", "clock", "sensor:temp0", "actuator:valve0"] }, PUBLISHER],
    ["a topic a rule lists", { publish: ["telemetry/a", "telemetry/temp"] }, PUBLISHER],
    ["subscribing to what it published", { subscribe: ["cmd/x", "telemetry/a"] }, PUBLISHER],
    ["a new topic both ways, named twice", { publish: ["telemetry/a", "x", "x"], subscribe: ["x", "cmd/#"] }, PUBLISHER],
    ["a new capability and a new topic", { capabilities: ["clock", "model:ad"], publish: ["alarm"] }, STRANGER],
    ["grants dropped", { capabilities: ["clock"], publish: [], subscribe: [] }, PUBLISHER],
    ["lists that are not lists of strings", { capabilities: "sensor:x", publish: [1, "telemetry/a", { t: "y" }], subscribe: null }, PUBLISHER],
  ];
  const bundle = (name: string, version: string, extra: Record<string, unknown>, key: PublisherKey) =>
    buildBundle({ ...manifest(version), name, ...grants, ...extra }, agentWasm({ version: 1, size: 600 }), key);

  it("allows and refuses every release as the host does, with its words and counts, before a byte is written", () => {
    const seen = new Set<string>();
    for (const [p, policy] of policies.entries()) {
      const bin = `${BIN}-updates-${p}`;
      buildOtaHarness(bin, policy, AGENTS);
      for (const name of AGENTS) {
        const gate = new UpdateGate(policy);
        const running = bundle(name, "1.0.0", {}, PUBLISHER);
        const nexts = releases.map(([, extra, key]) => bundle(name, "2.0.0", extra, key));
        const lines = execFileSync(bin, ["updates", BOTH, file(running), ...nexts.map(file)], { encoding: "utf8" }).trim().split("\n");
        const expected = nexts.map((b) => {
          const next = verifyBundle(b, { trustedKeys: [PUBLISHER.publicKey, STRANGER.publicKey], abi: [1] });
          const why = gate.check(verifyBundle(running, { trustedKeys: [PUBLISHER.publicKey], abi: [1] }).manifest, next.manifest, next.publicKey);
          return why === undefined ? "committed" : `policy writes=0 ${why}`;
        });
        const got = lines.filter((l) => !l.startsWith("log ") && !l.startsWith("refused ")).map((l) => l.replace(/^committed writes=[1-9]\d*$/, "committed"));
        expect(got, `${policy.file} ${name}`).toEqual(expected);
        // a console line per refusal, with the reason the count has
        expect(lines.filter((l) => l.startsWith("log ")).map((l) => l.split(" ")[4])).toEqual(expected.filter((e) => e !== "committed").map((e) => `${e.match(/asks for new (\w+)/)?.[1] === "topics" ? "update:topic" : /asks for new/.test(e) ? "update:capability" : "update:publisher"}:`));
        const r = gate.refused;
        expect(lines.at(-1)).toBe(`refused update:publisher=${r["update:publisher"] ?? 0} update:capability=${r["update:capability"] ?? 0} update:topic=${r["update:topic"] ?? 0}`);
        for (const k of Object.keys(r)) seen.add(k);
        if (expected.includes("committed")) seen.add("allowed");
      }
    }
    expect(seen).toEqual(new Set(["allowed", "update:publisher", "update:capability", "update:topic"]));
  });

  it("without a policy every trusted release goes ahead", () => {
    const bin = `${BIN}-updates-none`;
    buildOtaHarness(bin);
    const lines = execFileSync(bin, ["updates", BOTH, file(bundle("counter", "1.0.0", {}, PUBLISHER)), ...releases.map(([, extra, key]) => file(bundle("counter", "2.0.0", extra, key)))], { encoding: "utf8" }).trim().split("\n");
    expect(lines.map((l) => l.split(" ")[0])).toEqual(releases.map(() => "committed"));
  });
});
