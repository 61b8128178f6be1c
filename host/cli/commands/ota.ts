// `colony ota push|status|resume|rollback|list`: staged agent rollouts over MQTT.
import { existsSync, readFileSync } from "node:fs";
import type { Command } from "commander";
import { CliError } from "../errors.ts";
import { parseDurationFlag, parseWholeNumber } from "../options.ts";
import {
  RolloutController,
  inspectBundle,
  mqttTransport,
  parsePercent,
  renderRollout,
  rolloutLine,
  type RolloutProgress,
  type RolloutRecord,
} from "../../ota/index.ts";
import { DEFAULT_TRUST_STORE, loadTrustStore } from "./keys.ts";

const DEFAULT_BROKER = process.env.COLONY_BROKER ?? "mqtt://127.0.0.1:1883";

interface Common {
  site: string;
  broker: string;
  waveTimeout: string;
}

/** Live view on a TTY (redrawn in place), one line per change otherwise. */
function progressPrinter(): { show: (p: RolloutProgress) => void; end: (p: RolloutProgress) => void } {
  const tty = process.stdout.isTTY === true;
  let drawn = 0;
  let last = "";
  let pending: RolloutProgress | null = null;
  let timer: NodeJS.Timeout | null = null;
  const draw = (p: RolloutProgress): void => {
    if (tty) {
      const text = renderRollout(p);
      process.stdout.write((drawn ? `\x1b[${drawn}F\x1b[J` : "") + text + "\n");
      drawn = text.split("\n").length;
    } else {
      const line = rolloutLine(p);
      if (line !== last) process.stdout.write(line + "\n");
      last = line;
    }
  };
  return {
    show(p) {
      pending = p;
      timer ??= setTimeout(() => {
        timer = null;
        if (pending) draw(pending);
      }, 100);
    },
    end(p) {
      if (timer) clearTimeout(timer);
      timer = null;
      draw(p);
    },
  };
}

async function withController<T>(o: Common, f: (t: ReturnType<typeof mqttTransport>) => Promise<T>): Promise<T> {
  const { default: mqtt } = await import("mqtt");
  let client;
  try {
    client = await mqtt.connectAsync(o.broker, { clientId: `colony-ota-${process.pid}`, connectTimeout: 5000, reconnectPeriod: 1000 });
  } catch (e) {
    throw new CliError(`cannot reach the broker at ${o.broker}: ${(e as Error).message}`);
  }
  try {
    return await f(mqttTransport(client));
  } finally {
    await client.endAsync();
  }
}

const waveTimeoutMs = (text: string): number => parseDurationFlag(text, "--wave-timeout");

async function drive(ctl: RolloutController, step: (c: RolloutController) => Promise<RolloutRecord>): Promise<void> {
  const view = progressPrinter();
  ctl.onProgress = view.show;
  const r = await step(ctl);
  view.end(ctl.progress());
  if (r.state === "halted") process.exitCode = 2;
}

function common(cmd: Command): Command {
  return cmd
    .requiredOption("--site <site>", "site name")
    .option("--broker <url>", "MQTT broker URL", DEFAULT_BROKER)
    .option("--wave-timeout <duration>", "a device not done within this counts as failed", "120s");
}

export function register(program: Command): void {
  const ota = program.command("ota").description("over-the-air agent updates: staged rollouts with canary, halt and rollback");
  common(ota.command("push <bundle>").description("roll a signed bundle out to a site's devices"))
    .requiredOption("--to <target>", 'devices: "all", "group:<name>" or "device:<id>[,<id>]"')
    .option("--canary <percent>", "share of devices in the first wave", "10%")
    .option("--halt-on <percent>", "halt when more than this share of updated devices fails", "5%")
    .option("--waves <n>", "waves after the canary", "3")
    .option("--id <id>", "rollout id (default: agent-version-hash)")
    .option("--trust <file>", "trust store to check the bundle against", DEFAULT_TRUST_STORE)
    .action(async (file: string, o: Common & { to: string; canary: string; haltOn: string; waves: string; id?: string; trust: string }) => {
      const bytes = new Uint8Array(readFileSync(file));
      const keys = existsSync(o.trust) ? loadTrustStore(o.trust).keysFor(o.site) : [];
      const seen = inspectBundle(bytes, keys);
      if (!seen.ok && !(seen.reason === "untrusted-key" && keys.length === 0))
        throw new CliError(`${file}: ${seen.message}`);
      if (keys.length === 0) process.stderr.write(`colony: no trusted keys for site ${o.site} in ${o.trust}; devices will check the signature\n`);
      const waves = parseWholeNumber(o.waves, "--waves", 1);
      let canaryPercent: number, haltOnPercent: number;
      try {
        canaryPercent = parsePercent(o.canary, "--canary");
        haltOnPercent = parsePercent(o.haltOn, "--halt-on");
      } catch (e) {
        throw new CliError((e as Error).message);
      }
      await withController(o, async (t) => {
        let ctl: RolloutController;
        try {
          ctl = await RolloutController.create(t, o.site, bytes, { target: o.to, canaryPercent, haltOnPercent, waves, id: o.id }, { waveTimeoutMs: waveTimeoutMs(o.waveTimeout) });
        } catch (e) {
          throw new CliError((e as Error).message);
        }
        await drive(ctl, (c) => c.run());
      });
    });
  for (const [name, what] of [
    ["resume", "continue a halted (or interrupted) rollout"],
    ["rollback", "send every device of a rollout back to its previous version"],
    ["status", "show a rollout's retained state"],
  ] as const) {
    common(ota.command(`${name} <id>`).description(what)).action(async (id: string, o: Common) => {
      await withController(o, async (t) => {
        let ctl: RolloutController;
        try {
          ctl = await RolloutController.open(t, o.site, id, { waveTimeoutMs: waveTimeoutMs(o.waveTimeout) });
        } catch (e) {
          throw new CliError((e as Error).message);
        }
        if (name === "status") {
          await ctl.loadStatuses();
          process.stdout.write((process.stdout.isTTY ? renderRollout(ctl.progress()) : rolloutLine(ctl.progress())) + "\n");
          return;
        }
        await drive(ctl, (c) => (name === "rollback" ? c.rollback() : c.state.state === "halted" ? c.resume() : c.run()));
      });
    });
  }
  common(ota.command("list").description("list the rollouts retained for a site")).action(async (o: Common) => {
    await withController(o, async (t) => {
      for (const r of await RolloutController.rollouts(t, o.site))
        process.stdout.write(`${r.id} ${r.agent}@${r.version} ${r.target} ${r.state} wave ${r.wavesDone}/${r.waves.length}${r.reason ? ` (${r.reason})` : ""}\n`);
    });
  });
}
