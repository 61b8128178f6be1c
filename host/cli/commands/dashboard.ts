// `colony dashboard`: a live web page over a site's fleet, read from the broker's topics.
// With --embedded-broker it starts a broker itself and prints its URL, for
// `colony sim --realtime --broker <url>` to run against.
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { CliError } from "../errors.ts";
import { parseWholeNumber } from "../options.ts";
import { startDashboard } from "../../dashboard/index.ts";
import { EmbeddedBroker } from "../../net/index.ts";
import { parseKeyFile, publisherKeyFromSeed, type PublisherKey } from "../../ota/index.ts";
import { simPublisherSeed } from "../../sim/index.ts";

interface DashboardCliOptions {
  broker?: string;
  embeddedBroker?: boolean;
  brokerPort: string;
  port: string;
  host: string;
  site: string;
  key?: string;
  simSeed?: string;
}

function loadKey(file: string): PublisherKey {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new CliError(`--key ${file}: ${(e as Error).message}`);
  }
  try {
    return parseKeyFile(text, file);
  } catch (e) {
    throw new CliError((e as Error).message);
  }
}

export function register(program: Command): void {
  program
    .command("dashboard")
    .description("serve a live web page over a site's fleet: devices, agents, auctions, message rates, OTA rollouts (halt, roll back), alerts")
    .option("--broker <url>", "the site's MQTT broker", process.env.COLONY_BROKER ?? "mqtt://127.0.0.1:1883")
    .option("--embedded-broker", "start an embedded broker and print its URL (run `colony sim --realtime --broker <url>` against it)")
    .option("--broker-port <n>", "with --embedded-broker: its port", "1883")
    .option("--port <n>", "HTTP port of the page", "8080")
    .option("--host <addr>", "address to listen on", "127.0.0.1")
    .requiredOption("--site <site>", "site name (topics colony/<site>/...)")
    .option("--key <file>", "the site's publisher key file: enables halt and rollback")
    .option("--sim-seed <n>", "instead of --key: the publisher key `colony sim` derives for this site and seed (simulations only)")
    .action(async (o: DashboardCliOptions) => {
      const port = parseWholeNumber(o.port, "--port", 0, 65535);
      if (o.key && o.simSeed) throw new CliError("--key and --sim-seed: give one of them");
      const key = o.key ? loadKey(o.key) : o.simSeed ? publisherKeyFromSeed(simPublisherSeed(o.site, parseWholeNumber(o.simSeed, "--sim-seed", 0, 0xffffffff))) : null;
      const broker = o.embeddedBroker ? await EmbeddedBroker.start({ port: parseWholeNumber(o.brokerPort, "--broker-port", 0, 65535) }).catch((e: Error) => {
        throw new CliError(`cannot start the embedded broker: ${e.message}`);
      }) : undefined;
      if (broker) process.stdout.write(`broker ${broker.url}\n`);
      let dash;
      try {
        dash = await startDashboard({ brokerUrl: broker?.url ?? o.broker!, site: o.site, port, host: o.host, key });
      } catch (e) {
        await broker?.stop();
        throw new CliError((e as Error).message);
      }
      process.stdout.write(`dashboard ${dash.url} (site ${o.site}${key ? `, acting with key ${key.id}` : ", read-only: no --key"}); Ctrl-C stops it\n`);
      await new Promise<void>((resolve) => {
        process.once("SIGINT", () => resolve());
        process.once("SIGTERM", () => resolve());
      });
      await dash.close();
      await broker?.stop();
    });
}
