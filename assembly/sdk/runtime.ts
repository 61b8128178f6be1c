// The pieces of the module exports of ABI v1. The build generates an entry per
// agent (build/gen/<name>.ts) that holds the agent instance and composes
// `init`, `on_event`, `snapshot` and `restore` from these, with only the event
// kinds the agent's class handles: a heartbeat carries no message decoder.
import { ABI_VERSION } from "./abi";
import { Agent } from "./agent";
import * as arena from "./arena";
import { Fields } from "./body";
import { Message } from "./bus";
import { sensor } from "./sensor";

// Where the host writes event payloads: one buffer reused for every event.
let inbox: usize = 0;
let inboxSize: i32 = 0;
// The last snapshot, kept alive until the host has read it.
let snap: Uint8Array | null = null;
const snapDesc = memory.data(8);

export function colony_abi(): i32 {
  return ABI_VERSION;
}

// The stub runtime (ASC_RUNTIME 0) is the per-event arena (arena.ts); the
// others collect.
// @ts-ignore: decorator
@inline const ARENA = ASC_RUNTIME == 0;

/** A buffer of at least `len` bytes for the next event's payload. */
export function colony_inbox(len: i32): usize {
  if (len > inboxSize) {
    if (ARENA) {
      // called between events, so this block is the last one and outlives them; the old one
      // stays allocated (at most as much again as the largest payload, since sizes double)
      inboxSize = max(len, inboxSize << 1);
      inbox = heap.alloc(<usize>inboxSize);
      arena.keep();
    } else {
      inbox = inbox == 0 ? heap.alloc(<usize>len) : heap.realloc(inbox, <usize>len);
      inboxSize = len;
    }
  }
  return inbox;
}

/** After init or restore: what they allocated is the agent's state. */
export function settle(): void {
  if (ARENA) arena.keep();
  else __collect();
}

/** After an event: frees what it allocated (the arena) or left unreachable (the collector, which runs only when asked). */
export function release(): void {
  if (ARENA) arena.release();
  else __collect();
}

function copyIn(ptr: usize, len: i32): Uint8Array {
  const out = new Uint8Array(len);
  memory.copy(out.dataStart, ptr, <usize>len);
  return out;
}

export function timer(a: Agent, ptr: usize, len: i32): i32 {
  if (len < 4) return -1;
  a.onTimer(load<i32>(ptr));
  return 0;
}

export function message(a: Agent, ptr: usize, len: i32): i32 {
  if (len < 2) return -1;
  const topicLen = <i32>load<u16>(ptr);
  if (2 + topicLen > len) return -1;
  const topic = String.UTF8.decodeUnsafe(ptr + 2, <usize>topicLen);
  const body = copyIn(ptr + 2 + <usize>topicLen, len - 2 - topicLen);
  a.onMessage(new Message(topic, new Fields(body)));
  return 0;
}

export function sensorReady(a: Agent, ptr: usize, len: i32): i32 {
  if (len < 4) return -1;
  const s = sensor.byHandle(load<i32>(ptr));
  if (s === null) return -1;
  a.onSensor(s);
  return 0;
}

/** Address of {u32 ptr, u32 len} of the snapshot bytes, or 0 for none. */
export function takeSnapshot(a: Agent): usize {
  const body = a.snapshot();
  if (body === null) return 0;
  const bytes = body.encode();
  snap = bytes;
  store<u32>(snapDesc, <u32>bytes.dataStart);
  store<u32>(snapDesc + 4, <u32>bytes.length);
  return snapDesc;
}

export function applyRestore(a: Agent, ptr: usize, len: i32): i32 {
  const f = new Fields(copyIn(ptr, len));
  if (!f.valid) return -1;
  a.restore(f);
  return 0;
}
