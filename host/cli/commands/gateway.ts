// `colony gateway`: the MQTT-SN gateway on UDP, bridging to a broker (the embedded one when
// no --broker is given). Runs until SIGINT/SIGTERM or --duration.
import type { Command } from "commander";
import { CliError } from "../errors.ts";
import { parseDurationFlag, parseWholeNumber } from "../options.ts";
import { EmbeddedBroker, MqttSnGateway } from "../../net/index.ts";
import { BrokerGate, loadPolicy, PolicyError } from "../../governance/index.ts";

interface GatewayCliOptions {
  udp: string;
  host: string;
  broker?: string;
  gwId: string;
  predefined: string[];
  retry: string;
  duration?: string;
  advertise: string[];
  advertiseEvery: string;
  brokerWills?: boolean;
  policy?: string;
}

const int = parseWholeNumber;

function predefined(list: string[]): Record<number, string> {
  const out: Record<number, string> = {};
  for (const item of list) {
    const m = /^(\d+)=(.+)$/.exec(item);
    if (!m) throw new CliError(`--predefined "${item}": expected <id>=<topic>, e.g. 1=colony/site/alarm`);
    out[int(m[1]!, "predefined topic id", 1, 0xfffe)] = m[2]!;
  }
  return out;
}

function address(a: string): { address: string; port: number } {
  const m = /^([^:]+):(\d+)$/.exec(a);
  if (!m) throw new CliError(`--advertise "${a}": expected host:port, e.g. 127.0.0.1:1885`);
  return { address: m[1]!, port: int(m[2]!, "--advertise port", 1, 65535) };
}

export function register(program: Command): void {
  program
    .command("gateway")
    .description("run the MQTT-SN v1.2 gateway (UDP) bridging constrained devices to an MQTT broker")
    .option("--udp <port>", "UDP port to listen on (0 = any free port)", "1884")
    .option("--host <address>", "address to bind", "127.0.0.1")
    .option("--broker <url>", "MQTT broker URL (default: start the embedded broker on 127.0.0.1)")
    .option("--gw-id <n>", "gateway id in ADVERTISE/GWINFO", "1")
    .option("--predefined <id=topic...>", "predefined topic ids", [])
    .option("--retry <ms>", "T_RETRY in ms (N_RETRY is 3)", "10000")
    .option("--advertise <host:port...>", "send ADVERTISE to these UDP addresses", [])
    .option("--advertise-every <s>", "ADVERTISE interval T_ADV in seconds", "900")
    .option("--broker-wills", "register each client's will with the broker as its connection's MQTT will, so the broker publishes it even if the gateway dies")
    .option("--policy <file>", "site policy YAML enforced on what devices publish: local-only topics, classed topics' egress, rate limits, task priorities")
    .option("--duration <d>", "stop after this long, with a unit: 30s, 10m, 2h")
    .action(async (o: GatewayCliOptions) => {
      // Check every option before starting anything.
      const settings = {
        port: int(o.udp, "--udp", 0, 65535),
        host: o.host,
        gwId: int(o.gwId, "--gw-id", 0, 255),
        predefined: predefined(o.predefined),
        retryMs: int(o.retry, "--retry", 1, 3_600_000),
        advertise: { to: o.advertise.map(address), durationS: int(o.advertiseEvery, "--advertise-every", 1, 65535) },
        brokerWills: o.brokerWills === true,
        log: (l: string) => process.stderr.write(`${l}\n`),
      };
      const stopAfterMs = o.duration === undefined ? undefined : parseDurationFlag(o.duration, "--duration");
      let gate: BrokerGate | undefined;
      try {
        if (o.policy !== undefined) gate = new BrokerGate(loadPolicy(o.policy));
      } catch (e) {
        if (e instanceof PolicyError) throw new CliError(e.message);
        throw e;
      }
      if (o.broker && !/^mqtts?:\/\/[^/]+/.test(o.broker)) throw new CliError(`--broker "${o.broker}": expected mqtt://host:port`);
      const broker = o.broker ? undefined : await EmbeddedBroker.start();
      const brokerUrl = o.broker ?? broker!.url;
      const gw = new MqttSnGateway({ brokerUrl, ...settings, ...(gate ? { publishGate: (client: string, topic: string, data: Uint8Array, now: number) => gate.check(client, topic, data, now) } : {}) });
      try {
        await gw.start();
      } catch (e) {
        await broker?.stop();
        throw new CliError(`gateway could not start (broker ${brokerUrl}): ${(e as Error).message}`);
      }
      process.stdout.write(`mqtt-sn gateway listening on udp ${o.host}:${gw.port}, broker ${brokerUrl}${broker ? " (embedded)" : ""}${settings.brokerWills ? ", wills held by the broker" : ""}${gate ? `, site policy ${gate.policy.file}` : ""}\n`);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
        if (stopAfterMs !== undefined) setTimeout(stop, stopAfterMs);
      });
      await gw.stop();
      await broker?.stop();
      if (gate) process.stdout.write(`site policy: ${gate.checks} publish(es) checked, ${Object.entries(gate.refused).map(([k, v]) => `${v} ${k}`).join(", ") || "none"} refused\n`);
      process.stdout.write("mqtt-sn gateway stopped\n");
    });
}
