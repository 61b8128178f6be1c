// Starts a real Mosquitto on 127.0.0.1 and a free port for tests. Under CI a missing mosquitto
// is a failure (mosquittoAvailable throws); locally the suites using it are skipped.
import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { canConnect, freePort, mosquittoBinary } from "../../host/cluster/brokers.ts";

export { freePort };

export function mosquittoPath(): string | undefined {
  const p = mosquittoBinary();
  if (!p && process.env.CI) throw new Error("mosquitto is required under CI: install the Debian package mosquitto (scripts/install-system-deps.sh)");
  return p;
}

export class Mosquitto {
  private proc?: ChildProcess;
  private dir: string;
  private constructor(
    readonly bin: string,
    readonly port: number,
  ) {
    this.dir = mkdtempSync(join(tmpdir(), "colony-mosq-"));
    // Started as root, mosquitto drops to user "mosquitto", which must be able to write its db here.
    chmodSync(this.dir, 0o777);
    // persistence: sessions and queued QoS 1 survive a restart, as on a real deployment.
    writeFileSync(
      join(this.dir, "mosquitto.conf"),
      [`listener ${port} 127.0.0.1`, "allow_anonymous true", "persistence true", `persistence_location ${this.dir}/`, "log_dest none", ""].join("\n"),
    );
  }

  static async start(): Promise<Mosquitto> {
    const bin = mosquittoPath();
    if (!bin) throw new Error("mosquitto not installed");
    const m = new Mosquitto(bin, await freePort());
    await m.up();
    return m;
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  private async up(): Promise<void> {
    const proc = spawn(this.bin, ["-c", join(this.dir, "mosquitto.conf")], { stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    proc.stderr?.on("data", (d: Buffer) => (err += d.toString()));
    this.proc = proc;
    for (let i = 0; i < 100; i++) {
      if (proc.exitCode !== null) throw new Error(`mosquitto exited with ${proc.exitCode}: ${err}`);
      if (await canConnect(this.port)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`mosquitto did not listen on ${this.port} within 5 s: ${err}`);
  }

  async stop(): Promise<void> {
    const p = this.proc;
    this.proc = undefined;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise<void>((r) => p.once("exit", () => r()));
    p.kill("SIGTERM");
    await exited;
  }

  async restart(downMs = 0): Promise<void> {
    await this.stop();
    if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
    await this.up();
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
