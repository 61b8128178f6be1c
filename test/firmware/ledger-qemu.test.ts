// End to end: a QEMU device (mps2-an386, then rv32 esp32-c3) running the payer agent
// (test/firmware/agents/payer) pays through the site's replicated ledger: five LedgerNodes on
// the host, on the same broker, elect a leader; the firmware's wallet_tx goes out as the device's own ledger.tx envelope
// (firmware/runtime/ledger.c) and the leader's answers come back on ledger/ack/<device>.
// Transfers settle with the balance the answer carries; an overdrawn one is refused with reason
// overdrawn; forged, malformed and foreign answers are dropped and counted, and the device goes
// on; with the leader dead the device sends again until the new leader settles it; the device restarted (it keeps no nonce) asks the
// leader which nonce comes next and pays the very same payment as its first boot's first: a new
// transaction that settles and moves money; the chain holds only what settled.
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildAgents } from "../../host/compile/index.ts";
import { CoordNode } from "../../host/coordination/node.ts";
import { ackTopic, LedgerClient, LedgerNode, signTx, type LedgerRules } from "../../host/economy/index.ts";
import { buildFirmware, runQemu, SerialBridge, type QemuResult } from "../../host/firmware/index.ts";
import { RealClock } from "../../host/kernel/index.ts";
import { cborDecode, cborEncode } from "../../host/net/cbor.ts";
import { deviceKeyFromSeed, EmbeddedBroker, KeyRing, MqttSnGateway, MqttTransport, Sealer, simDeviceSeed, siteTopic, type DeviceKey } from "../../host/net/index.ts";
import { missingTools, OUT, ROOT, TEST_AGENTS } from "./helpers.ts";

const missing = missingTools(["wasm2c", "arm-none-eabi-gcc", "qemu-system-arm", "riscv64-unknown-elf-gcc", "qemu-system-riscv32"]);
const RUN_SEED = 7;
const SITE = "lab";
const BOARDS = ["mps2-an386", "esp32-c3"] as const;
const deviceOf = (board: string) => `qemu-${board}`;
const payeeOf = (board: string) => `sink-${board}`;
// five nodes: each board's run kills a leader, and three still make a majority
const MEMBERS = ["ledger-1", "ledger-2", "ledger-3", "ledger-4", "ledger-5"];
const RULES: LedgerRules = { treasury: "treasury", creditLimit: 0 };

const simKey = (id: string): DeviceKey => deviceKeyFromSeed(id, simDeviceSeed(RUN_SEED, id));
type Answer = { handle: number; status: number; balance: number };

/** Waits for `ok` (polled every 20 ms); fails naming `what` after `ms`. */
async function until<T>(what: string, ms: number, ok: () => T | undefined, log: () => string): Promise<T> {
  for (const end = Date.now() + ms; Date.now() < end; ) {
    const v = ok();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no ${what} within ${ms} ms\n${log().slice(-3000)}`);
}

describe.skipIf(missing.length > 0)("a QEMU device pays through the replicated ledger", () => {
  const clock = new RealClock();
  const ring = new KeyRing();
  const closers: (() => Promise<void> | void)[] = [];
  let broker: EmbeddedBroker;
  let bridgePort = 0;
  let ledgers: LedgerNode[] = [];
  let tester: CoordNode;
  let treasury: LedgerClient;
  let mints = 0;
  const transports = new Map<string, MqttTransport>();

  const node = async (id: string, key = simKey(id)): Promise<CoordNode> => {
    const transport = new MqttTransport({ url: broker.url, name: id });
    await transport.connect();
    transports.set(id, transport);
    closers.push(() => transport.close().catch(() => {}));
    return new CoordNode({ transport, clock, key, keys: ring, site: SITE, log: () => {} });
  };

  const build = (board: string, seqBase: number) => {
    const dir = path.join(OUT, `ledger-${board}-${seqBase}`);
    return buildFirmware({
      root: ROOT,
      board,
      agents: [{ name: "payer", wasmPath: path.join(TEST_AGENTS, "payer.wasm"), manifestPath: path.join(TEST_AGENTS, "payer.json") }],
      events: 0,
      link: true,
      seed: RUN_SEED,
      site: SITE,
      deviceId: deviceOf(board),
      out: dir,
      // a restarted device's envelopes must number above the first boot's, or the nodes drop them as replays
      seqBase,
    });
  };

  /** Boots the device, runs `script` with a way to ask the payer for a transfer, stops QEMU after it. */
  const boot = async (board: string, elf: string, script: (pay: (amount: number, ref: string) => Promise<Answer>, out: () => string) => Promise<void>): Promise<QemuResult> => {
    const answers: Answer[] = [];
    let stdout = "";
    let connected = false;
    const stop = new AbortController();
    const device = deviceOf(board);
    const run = runQemu({
      board,
      elf,
      timeoutMs: 90_000,
      linkPort: bridgePort,
      signal: stop.signal,
      onLine: (line) => {
        stdout += line + "\n";
        if (line.startsWith(`link: connected as ${device}`)) connected = true;
        const w = line.split(" ");
        if (w[0] === "pub" && w[1] === "payer" && w[2] === "test/wallet" && w[3]) answers.push(cborDecode(new Uint8Array(Buffer.from(w[3], "hex"))) as Answer);
      },
    });
    const pay = async (amount: number, ref: string): Promise<Answer> => {
      const seen = answers.length;
      tester.send("test/pay", "bus.msg", { agent: "test", data: cborEncode({ to: payeeOf(board), amount, ref }) });
      return until(`answer to the transfer of ${amount} (${ref})`, 15_000, () => answers[seen], () => stdout);
    };
    try {
      await until("link", 20_000, () => (connected ? true : undefined), () => stdout);
      // the payer subscribes to test/pay as it starts, just after the link is up
      await new Promise((r) => setTimeout(r, 1000));
      await script(pay, () => stdout);
    } finally {
      stop.abort();
    }
    return run;
  };

  beforeAll(async () => {
    await buildAgents({ root: ROOT, agentsDir: "test/firmware/agents", outDir: TEST_AGENTS, only: ["payer"] });
    broker = await EmbeddedBroker.start({ port: 0 });
    const gateway = new MqttSnGateway({ brokerUrl: broker.url, port: 0 });
    await gateway.start();
    const bridge = new SerialBridge({ gateway: { host: "127.0.0.1", port: gateway.port } });
    await bridge.start();
    bridgePort = bridge.port;
    closers.push(() => broker.stop(), () => gateway.stop(), () => bridge.stop());
    for (const id of [...MEMBERS, "treasury", "tester", ...BOARDS.map(deviceOf)]) ring.add(id, simKey(id).publicKey);
    for (const id of MEMBERS) {
      const l = new LedgerNode({ node: await node(id), key: simKey(id), keys: ring, rules: RULES, members: MEMBERS, sync: false, lease: 1000, heartbeatMs: 50 });
      l.start();
      ledgers.push(l);
    }
    closers.push(() => ledgers.forEach((l) => l.halt()));
    tester = await node("tester");
    treasury = new LedgerClient(await node("treasury"), { retryMs: 200, timeoutMs: 20_000 });
    closers.push(() => treasury.close());
    await until("ledger leader", 15_000, () => (ledgers.some((l) => l.isLeader()) ? true : undefined), () => ledgers.map((l) => `${l.id}:${l.role}`).join(" "));
  }, 120_000);

  afterAll(async () => {
    for (const c of closers.reverse()) await c();
  });

  it.each(BOARDS)("%s settles its transfers, is refused an overdraft, ignores forged and malformed answers, resends through a leader change, and after a restart goes on from the ledger's next nonce", async (board) => {
    const DEVICE = deviceOf(board);
    const PAYEE = payeeOf(board);
    const mint = await treasury.submit(signTx(simKey("treasury"), { kind: "mint", to: DEVICE, amount: 100, nonce: ++mints }));
    expect(mint).toMatchObject({ status: "settled" });
    const first = await build(board, 1000);
    const settledMs: number[] = [];
    const r1 = await boot(board, first.elf, async (pay, out) => {
      await until("the nonce answer", 10_000, () => (out().includes("wallet: the ledger says nonce 1 comes next, balance 100") ? true : undefined), out);
      expect(await pay(30, "job/1")).toEqual({ handle: 1, status: 1, balance: 70 });
      expect(await pay(40, "job/2")).toEqual({ handle: 2, status: 1, balance: 30 });
      expect(await pay(50, "job/3")).toEqual({ handle: 3, status: -6, balance: 30 }); // overdrawn: the balance is the last settled one
      // answers no ledger node gave: signed with another key under a ledger node's name, a body
      // missing its fields, a kind that is no answer; none of them may touch a handle or the device
      const forged = new Sealer(deviceKeyFromSeed("ledger-1", simDeviceSeed(RUN_SEED + 1, "ledger-1")), () => clock.now(), 1 << 20);
      const waiting = { txid: `${DEVICE}:4`, sig: new Uint8Array(64), height: 9, term: 1, hash: new Uint8Array(32), balance: 1_000_000 };
      await tester.transport.publish(siteTopic(SITE, ackTopic(DEVICE)), forged.seal("ledger.ack", waiting), { qos: 1 });
      tester.send(ackTopic(DEVICE), "ledger.ack", { txid: 5 });
      tester.send(ackTopic(DEVICE), "ledger.entries", { term: 1 });
      await until("three ignored answers", 5000, () => ((out().match(/ledger: answer ignored/g) ?? []).length >= 3 ? true : undefined), out);
      expect(await pay(20, "job/4")).toEqual({ handle: 4, status: 1, balance: 10 });
      for (const m of out().matchAll(/wallet payer settled nonce \d+ height \d+ balance \d+ after (\d+) ms/g)) settledMs.push(Number(m[1]));
      // the leader dies (its link first, so nothing of it leaves): the device sends again until the new leader answers
      const old = ledgers.find((l) => l.isLeader())!;
      await transports.get(old.id)!.close();
      old.halt();
      ledgers = ledgers.filter((l) => l !== old);
      let copies = 0;
      tester.on("ledger/tx", (env) => void (env.from === DEVICE && copies++));
      expect(await pay(5, "job/5")).toEqual({ handle: 5, status: 1, balance: 5 });
      expect(copies, "the transaction was not sent again while no leader answered").toBeGreaterThan(1);
      expect(ledgers.find((l) => l.isLeader())!.id).not.toBe(old.id);
    });
    expect(r1.stdout).toContain(`wallet payer refused nonce 3: overdrawn: transaction refused (overdrawn): ${DEVICE} has 30, needs 50`);
    expect(r1.stdout).toMatch(/ledger: answer ignored \(1 since boot\): bad-signature: ledger-1#\d+ does not verify/);
    expect(r1.stdout).toMatch(/ledger: answer ignored \(2 since boot\): bad field txid/);
    expect(r1.stdout).toMatch(/ledger: answer ignored \(3 since boot\): not an answer: kind ledger\.entries/);
    expect(r1.stdout).not.toMatch(/fault payer/);
    expect(settledMs).toHaveLength(3);
    const failover = /wallet payer settled nonce 5 height \d+ balance 5 after (\d+) ms/.exec(r1.stdout)?.[1];

    // The device restarts, keeping nothing: it asks which nonce comes next, and the very same
    // payment as the first boot's first (30 for job/1) is a new transaction that moves money.
    expect(await treasury.submit(signTx(simKey("treasury"), { kind: "mint", to: DEVICE, amount: 100, nonce: ++mints }))).toMatchObject({ status: "settled" });
    const second = await build(board, 1_000_000);
    const r2 = await boot(board, second.elf, async (pay, out) => {
      await until("the nonce answer", 10_000, () => (out().includes("wallet: the ledger says nonce 6 comes next, balance 105") ? true : undefined), out);
      expect(await pay(30, "job/1")).toEqual({ handle: 1, status: 1, balance: 75 });
    });
    expect(r2.stdout).toMatch(/wallet payer settled nonce 6 height \d+ balance 75/);

    // every node holds what settled, once, and nothing else
    const leader = ledgers.find((l) => l.isLeader())!;
    await until("followers to catch up", 5000, () => (ledgers.every((l) => l.chain.state.balance(PAYEE) === 125) ? true : undefined), () => "");
    const paid = leader.chain.entries.filter((e) => e.tx?.body.from === DEVICE).map((e) => `${e.tx!.body.nonce}:${e.tx!.body.amount}:${e.tx!.body.ref}`);
    expect(paid).toEqual(["1:30:job/1", "2:40:job/2", "4:20:job/4", "5:5:job/5", "6:30:job/1"]);
    expect(leader.chain.state.balance(DEVICE)).toBe(75);
    settledMs.sort((a, b) => a - b);
    console.log(`${board}: firmware submit to settled under QEMU: ${settledMs.join(", ")} ms (p50 ${settledMs[Math.floor(settledMs.length / 2)]} ms); through a leader change ${failover} ms`);
  }, 240_000);
});
