// Peers' load and state travel in presence beats (signed, on the in-process bus) and steer offload:
// the requester offloads to the peer whose advertised queue is short and whose unit works, and not
// to a peer whose battery is low or whose accelerator failed.
import { describe, expect, it } from "vitest";
import { loadBoard } from "../../host/kernel/index.ts";
import { computeAdvert, isRefusal, peerCandidates, place, UnitQueue } from "../../host/sched/index.ts";
import { simFleet, state } from "../coordination/fleet.ts";
import { model } from "./models.ts";

describe("peers' compute state in presence", () => {
  it("steers offload by advertised backlog, battery and failed units", () => {
    const { clock, devices } = simFleet(3);
    const max = loadBoard("max78000");
    const idle = new Map([["cnn0", new UnitQueue("edf")]]);
    const busy = new UnitQueue("edf");
    busy.push({ id: "x", origin: "d2", model: "ic", releaseUs: 0, deadlineUs: 10e6, execUs: 900_000, energyUj: 1, critical: true });
    for (const d of devices) d.presence.start();
    devices[1]!.presence.update({ ...state(), compute: computeAdvert(max, new Map([["cnn0", busy]]), 0) }, true);
    devices[2]!.presence.update({ ...state(), compute: computeAdvert(max, idle, 0) }, true);
    clock.runUntil(500);
    const me = loadBoard("esp32-c3");
    const req = { id: "r1", origin: "d0", model: "kws", releaseUs: 0, deadlineUs: 500_000, critical: true };
    const peers = devices[0]!.presence.alive();
    expect(peers.find((p) => p.id === "d1")!.state.compute!.units.find((u) => u.id === "cnn0")!.backlogUs).toBe(900_000);
    const p = place(req, peerCandidates(me, peers, "kws", model("kws")), 0);
    expect(!isRefusal(p) && p.candidate.device).toBe("d2");

    devices[2]!.presence.update({ battery: 0.03 }, true);
    clock.runUntil(clock.now() + 100);
    const q = place(req, peerCandidates(me, devices[0]!.presence.alive(), "kws", model("kws")), 0);
    expect(isRefusal(q) && q.reasons).toEqual(["d1/cnn0: would miss its deadline or make a queued job miss", "d2/cnn0: battery 3% is below 5%"]);

    devices[2]!.presence.update({ battery: 0.9, compute: computeAdvert(max, idle, 0, ["cnn0"]) }, true);
    clock.runUntil(clock.now() + 100);
    const r = place(req, peerCandidates(me, devices[0]!.presence.alive(), "kws", model("kws")), 0);
    expect(isRefusal(r) && r.reasons[1]).toBe("d2/cnn0: unit cnn0 has failed");
  });
});
