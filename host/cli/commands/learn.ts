// colony learn: federated training of the vibration anomaly classifier across simulated
// devices, against centralised training on the same data; says what crossed the bus.
import type { Command } from "commander";
import { runFederation } from "../../learning/index.ts";
import { wholeNumber } from "../options.ts";
import { printJson } from "../output.ts";

interface LearnCliOptions {
  devices: number;
  rounds: number;
  seed: number;
  iid?: boolean;
  killAggregatorAt?: number;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command("learn")
    .description("federated learning: devices train on their own vibration data and share only weights; compared with centralised training")
    .option("--devices <n>", "devices taking part", wholeNumber("--devices", 2, 200), 10)
    .option("--rounds <n>", "federated rounds", wholeNumber("--rounds", 1, 500), 15)
    .option("--seed <n>", "seed of the devices' data and the network", wholeNumber("--seed", 0, 0xffffffff), 1)
    .option("--iid", "give every device the same kind of machine (default: each its own)")
    .option("--kill-aggregator-at <round>", "kill the elected aggregator when it sends this round", wholeNumber("--kill-aggregator-at", 0, 500))
    .option("--json", "print the result as JSON")
    .action((o: LearnCliOptions) => {
      const r = runFederation({ devices: o.devices, rounds: o.rounds, seed: o.seed, data: { iid: o.iid === true }, ...(o.killAggregatorAt !== undefined ? { killAggregatorAtRound: o.killAggregatorAt } : {}) });
      if (o.json) return printJson(r);
      const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
      const out = (s: string) => process.stdout.write(s + "\n");
      out(`${o.devices} devices, ${o.rounds} rounds, ${o.iid ? "same machines (IID)" : "each device its own machine (non-IID)"}, seed ${o.seed}`);
      out(`aggregator: ${r.aggregators.map((a) => `${a.device} (term ${a.term}, from round ${a.fromRound})`).join(" -> ")}`);
      out(`accuracy on every device's held-out windows: federated ${pct(r.federatedAccuracy)}, centralised ${pct(r.centralisedAccuracy)} (${((r.federatedAccuracy - r.centralisedAccuracy) * 100).toFixed(1)} points)`);
      out(`per device: ${r.perDevice.map((d) => `${d.device} ${pct(d.accuracy)}`).join(", ")}`);
      out(`on the bus: ${r.egress.messages} messages, ${r.egress.bytes} B; an update is ${r.updateBytes} B, a device's raw windows ${r.rawBytesPerDevice} B`);
      out(`raw samples egressed: ${r.egress.rawSamples}${Object.keys(r.refused).length ? `; refused updates: ${JSON.stringify(r.refused)}` : ""}`);
    });
}
