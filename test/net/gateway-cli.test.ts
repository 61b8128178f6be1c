import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { MqttSnClient } from "../../host/net/mqttsn/index.ts";

describe("colony gateway", () => {
  it("starts on a UDP port with the embedded broker, serves a client, stops after --duration", async () => {
    const p = spawn(process.execPath, ["bin/colony.js", "gateway", "--udp", "0", "--duration", "4s", "--predefined", "5=colony/s/alarm"], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    p.stdout.on("data", (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number>((r) => p.once("exit", (c) => r(c ?? -1)));
    for (let i = 0; i < 200 && !/udp 127\.0\.0\.1:(\d+)/.test(out); i++) await new Promise((r) => setTimeout(r, 50));
    const port = Number(/udp 127\.0\.0\.1:(\d+)/.exec(out)?.[1]);
    expect(port).toBeGreaterThan(0);
    expect(out).toMatch(/\(embedded\)/);
    expect((await MqttSnClient.searchGateway(port)).gwId).toBe(1);
    const a = new MqttSnClient({ name: "cli-a", gateway: { port }, predefined: { 5: "colony/s/alarm" }, log: () => undefined });
    const b = new MqttSnClient({ name: "cli-b", gateway: { port }, predefined: { 5: "colony/s/alarm" }, log: () => undefined });
    await a.connect();
    await b.connect();
    const got: string[] = [];
    await b.subscribeTo({ predefined: 5 }, 1, (t, d) => got.push(`${t} ${new TextDecoder().decode(d)}`));
    await a.publish("colony/s/alarm", new TextEncoder().encode("fire"), { qos: 1 });
    for (let i = 0; i < 100 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(got).toEqual(["colony/s/alarm fire"]);
    await a.close();
    await b.close();
    expect(await exited).toBe(0);
    expect(out).toMatch(/stopped/);
  });

  it("with --policy: a policy file with a mistake is refused before anything starts, naming its line", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "gw-policy-"));
    const file = path.join(dir, "site.yaml");
    writeFileSync(file, "site: s\nlocalOnly: [features/#]\negress: [public, loud]\n");
    const p = spawn(process.execPath, ["bin/colony.js", "gateway", "--udp", "0", "--duration", "2s", "--policy", file], { stdio: ["ignore", "pipe", "pipe"] });
    let err = "";
    p.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number>((r) => p.once("exit", (c) => r(c ?? -1)));
    rmSync(dir, { recursive: true, force: true });
    expect(code).toBe(1);
    expect(err).toMatch(/site\.yaml:3: egress\.1: .*loud/);
  });
});
