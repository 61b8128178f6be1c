// A Mosquitto cluster on loopback: N brokers, broker 0 the hub and every other one bridged to it
// with Mosquitto's own bridge (`connection`, `address`, `topic # both`). A star, not a mesh:
// Mosquitto does not send a message back over the bridge it came in on, but in a triangle a
// message would reach the third broker twice; through the hub it reaches every broker once.
import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import mqtt from "mqtt";

const BIN = ["/usr/sbin/mosquitto", "/usr/bin/mosquitto", "/usr/local/sbin/mosquitto"];

export class ClusterError extends Error {}

/** The mosquitto binary, or undefined when it is not installed. */
export function mosquittoBinary(): string | undefined {
  return BIN.find((b) => existsSync(b));
}

export interface MosquittoCluster {
  readonly urls: string[];
  stop(): Promise<void>;
}

/** Starts `n` bridged brokers and resolves once a message crosses every bridge both ways. */
export async function startMosquittoCluster(n: number): Promise<MosquittoCluster> {
  if (!Number.isInteger(n) || n < 1) throw new ClusterError(`brokers: expected a whole number of at least 1 (got ${n})`);
  const bin = mosquittoBinary();
  if (!bin) throw new ClusterError("mosquitto is not installed (the Debian package mosquitto: scripts/install-system-deps.sh)");
  const dir = mkdtempSync(path.join(tmpdir(), "colony-cluster-"));
  // started as root, mosquitto drops to user "mosquitto", which must read its config here
  chmodSync(dir, 0o755);
  const ports: number[] = [];
  for (let i = 0; i < n; i++) ports.push(await freePort());
  const procs: ChildProcess[] = [];
  const stop = async () => {
    await Promise.all(procs.map(stopProcess));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < n; i++) {
      const conf = path.join(dir, `broker-${i}.conf`);
      writeFileSync(conf, brokerConfig(i, ports));
      procs.push(await startBroker(bin, conf, ports[i]!));
    }
    const urls = ports.map((p) => `mqtt://127.0.0.1:${p}`);
    await checkBridges(urls);
    return { urls, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** Broker i's config: a listener, and for i > 0 a bridge to the hub carrying every topic both ways. */
export function brokerConfig(i: number, ports: number[]): string {
  const lines = [`listener ${ports[i]} 127.0.0.1`, "allow_anonymous true", "persistence false", "log_dest none", "max_queued_messages 0", "set_tcp_nodelay true", ""];
  if (i > 0)
    lines.push(
      `connection colony-bridge-${i}`,
      `address 127.0.0.1:${ports[0]}`,
      "topic # both 0",
      // the hub knows the bridge for one and does not send its own messages back over it
      "try_private true",
      "cleansession true",
      "restart_timeout 1",
      "notifications false",
      "",
    );
  return lines.join("\n");
}

async function startBroker(bin: string, conf: string, port: number): Promise<ChildProcess> {
  const proc = spawn(bin, ["-c", conf], { stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  proc.stderr?.on("data", (d: Buffer) => (err += d.toString()));
  for (let i = 0; i < 100; i++) {
    if (proc.exitCode !== null) throw new ClusterError(`mosquitto (${conf}) exited with ${proc.exitCode}: ${err.trim()}`);
    if (await canConnect(port)) return proc;
    await new Promise((r) => setTimeout(r, 50));
  }
  proc.kill("SIGKILL");
  throw new ClusterError(`mosquitto did not listen on port ${port} within 5 s: ${err.trim()}`);
}

/** A probe from every broker reaches every other broker (the bridges are up); 10 s at most. */
async function checkBridges(urls: string[]): Promise<void> {
  if (urls.length < 2) return;
  const clients = await Promise.all(urls.map((url, i) => mqtt.connectAsync(url, { clientId: `colony-cluster-probe-${i}`, log: () => undefined })));
  try {
    const seen = urls.map(() => new Set<number>());
    clients.forEach((c, i) => c.on("message", (_t, p) => seen[i]!.add(Number(p.toString()))));
    await Promise.all(clients.map((c) => c.subscribeAsync("colony-cluster/probe", { qos: 0 })));
    const all = () => seen.every((s, i) => urls.every((_, j) => j === i || s.has(j)));
    const end = Date.now() + 10_000;
    while (!all()) {
      if (Date.now() > end) throw new ClusterError(`the bridges did not carry a message between every pair of brokers within 10 s (${urls.join(", ")})`);
      // a bridge connects a little after its broker listens: probe again until every pair has seen one
      for (const [j, c] of clients.entries()) await c.publishAsync("colony-cluster/probe", String(j));
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await Promise.all(clients.map((c) => c.endAsync(true)));
  }
}

async function stopProcess(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const exited = new Promise<void>((r) => p.once("exit", () => r()));
  p.kill("SIGTERM");
  await exited;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      const port = typeof a === "object" && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, "127.0.0.1");
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}
