// The inference core: one freestanding wasm module (no imports) that loads a compiled model in place,
// prepares every operator once, and runs them on a static arena. Nothing allocates during invoke.
//
// Memory: [static data][model bytes][tensor table: address, elements][operator states][arena]
import {
  E_BOUNDS, E_MAGIC, E_MEMORY, E_NOT_LOADED, E_SHAPE, E_VERSION, H_ARENA, H_DATA_BYTES, H_DATA_START, H_INPUTS,
  H_OPS, H_OUTPUTS, H_TENSORS, H_TOTAL, HEADER_WORDS, MAGIC, OK, OP_HEADER_WORDS, S_CODE, S_F_H, S_F_W, S_IN0,
  S_IN_DIMS, S_IN_ELEMS, S_IN1_ELEMS, S_NPARAMS, S_OUT, S_OUT_DIMS, S_OUT_ELEMS, S_PARAMS, STATE_WORDS, T_ARENA, T_BYTES, T_DATA, T_DIMS, T_RANK, T_TYPE,
  TENSOR_WORDS, TYPE_INT8, TYPE_FLOAT32, VERSION,
} from "./layout";
import { evalOp, prepareOp } from "./registry";
import { setTensorTable, tensorAddr } from "./tensors";
import { setw, sw } from "./state";

let modelBase: usize = 0;
let modelLen: i32 = 0;
let tensorAddrs: usize = 0;
let opStates: usize = 0;
let arena: usize = 0;
let arenaBytes: i32 = 0;
let memoryEnd: usize = 0;
let nTensors: i32 = 0;
let nOps: i32 = 0;
let inputs: usize = 0;
let outputs: usize = 0;
let nInputs: i32 = 0;
let nOutputs: i32 = 0;
let loaded = false;
let errorOp: i32 = -1;

function align16(n: usize): usize {
  return (n + 15) & ~(<usize>15);
}

function ensureMemory(end: usize): bool {
  const have = <usize>memory.size() << 16;
  if (end <= have) return true;
  const pages = <i32>((end - have + 0xffff) >> 16);
  return memory.grow(pages) >= 0;
}

// @ts-ignore: decorator
@inline function word(i: i32): i32 {
  return load<i32>(modelBase + (<usize>i << 2));
}

function tensorRecord(t: i32): usize {
  return modelBase + (<usize>(HEADER_WORDS + nInputs + nOutputs + t * TENSOR_WORDS) << 2);
}

function tensorElements(rec: usize): i64 {
  const rank = load<i32>(rec + (<usize>T_RANK << 2));
  let n: i64 = 1;
  for (let i = 0; i < rank; i++) {
    const d = load<i32>(rec + (<usize>(T_DIMS + i) << 2));
    if (d < 0 || d > 0x7fffffff) return -1;
    n *= <i64>d;
    if (n > <i64>0x7fffffff) return -1;
  }
  return n;
}

function tensorByteSize(rec: usize): i32 {
  const n = tensorElements(rec);
  const type = load<i32>(rec + (<usize>T_TYPE << 2));
  const size: i64 = type == TYPE_INT8 ? n : n * 4;
  return n < 0 || size > <i64>0x7fffffff ? -1 : <i32>size;
}

/** Writes the 4-D (leading ones) dims of tensor `t` into state words [at, at + 4). */
function dims4(s: usize, at: i32, t: i32): void {
  for (let i = 0; i < 4; i++) setw(s, at + i, 1);
  if (t < 0) return;
  const rec = tensorRecord(t);
  const rank = load<i32>(rec + (<usize>T_RANK << 2));
  for (let i = 0; i < rank; i++) setw(s, at + 4 - rank + i, load<i32>(rec + (<usize>(T_DIMS + i) << 2)));
}

/** Where the host writes the compiled model (`len` bytes); 0 if memory cannot grow. */
export function model_buffer(len: i32): usize {
  loaded = false;
  modelBase = align16(__heap_base);
  modelLen = len;
  if (len < 0 || !ensureMemory(modelBase + <usize>len)) return 0;
  return modelBase;
}

/** Parses the model written at model_buffer(), lays out the arena and prepares every operator. */
export function load_model(): i32 {
  loaded = false;
  errorOp = -1;
  if (modelLen < HEADER_WORDS * 4) return E_BOUNDS;
  if (word(0) != MAGIC) return E_MAGIC;
  if (word(1) != VERSION) return E_VERSION;
  const dataStart = word(H_DATA_START), dataBytes = word(H_DATA_BYTES);
  if (word(H_TOTAL) != modelLen || dataStart < 0 || dataBytes < 0 || dataStart + dataBytes != modelLen) return E_BOUNDS;
  nTensors = word(H_TENSORS);
  nOps = word(H_OPS);
  nInputs = word(H_INPUTS);
  nOutputs = word(H_OUTPUTS);
  arenaBytes = word(H_ARENA);
  const tableWords: i64 = <i64>HEADER_WORDS + <i64>nInputs + <i64>nOutputs + <i64>nTensors * TENSOR_WORDS;
  if (nTensors < 0 || nOps < 0 || nInputs < 1 || nOutputs < 1 || arenaBytes < 0 || tableWords * 4 > <i64>dataStart) return E_BOUNDS;
  inputs = modelBase + (<usize>HEADER_WORDS << 2);
  outputs = inputs + (<usize>nInputs << 2);
  tensorAddrs = align16(modelBase + <usize>modelLen);
  opStates = align16(tensorAddrs + (<usize>nTensors << 3));
  arena = align16(opStates + (<usize>(nOps * STATE_WORDS) << 2));
  memoryEnd = arena + <usize>arenaBytes;
  if (!ensureMemory(memoryEnd)) return E_MEMORY;
  setTensorTable(tensorAddrs, nTensors);
  // Tensor addresses, each checked to lie inside the arena or the data section.
  for (let t = 0; t < nTensors; t++) {
    const rec = tensorRecord(t);
    const size = tensorByteSize(rec);
    const type = load<i32>(rec + (<usize>T_TYPE << 2));
    if (size < 0 || type < TYPE_INT8 || type > TYPE_FLOAT32 || load<i32>(rec + (<usize>T_RANK << 2)) > 4) return E_SHAPE;
    const off = load<i32>(rec + (<usize>T_ARENA << 2));
    const dataOff = load<i32>(rec + (<usize>T_DATA << 2));
    let addr: usize = 0;
    if (off >= 0) {
      if (<i64>off + <i64>size > <i64>arenaBytes) return E_BOUNDS;
      addr = arena + <usize>off;
    } else if (dataOff >= 0) {
      if (load<i32>(rec + (<usize>T_BYTES << 2)) != size || <i64>dataOff + <i64>size > <i64>dataBytes) return E_BOUNDS;
      addr = modelBase + <usize>dataStart + <usize>dataOff;
    }
    store<i32>(tensorAddrs + (<usize>t << 3), <i32>addr);
    store<i32>(tensorAddrs + (<usize>t << 3) + 4, <i32>tensorElements(rec));
  }
  for (let i = 0; i < nInputs + nOutputs; i++) {
    const t = load<i32>(inputs + (<usize>i << 2));
    if (t < 0 || t >= nTensors || tensorAddr(t) == 0) return E_BOUNDS;
  }
  // Operators: fill each state block, then let the kernel's prepare check and complete it.
  let at: i32 = <i32>tableWords;
  const limit = dataStart >> 2;
  for (let k = 0; k < nOps; k++) {
    errorOp = k;
    if (at + OP_HEADER_WORDS > limit) return E_BOUNDS;
    const code = word(at), nIn = word(at + 1), nOut = word(at + 2), nParams = word(at + 3);
    if (nIn < 0 || nOut < 1 || nParams < 0 || <i64>at + OP_HEADER_WORDS + <i64>nIn + <i64>nOut + <i64>nParams > <i64>limit) return E_BOUNDS;
    const s = opStates + (<usize>(k * STATE_WORDS) << 2);
    setw(s, S_CODE, code);
    for (let i = 0; i < 3; i++) {
      const t = i < nIn ? word(at + OP_HEADER_WORDS + i) : -1;
      if (t < -1 || t >= nTensors) return E_BOUNDS;
      setw(s, S_IN0 + i, t < 0 ? 0 : <i32>tensorAddr(t));
    }
    const out = word(at + OP_HEADER_WORDS + nIn);
    if (out < 0 || out >= nTensors) return E_BOUNDS;
    setw(s, S_NPARAMS, nParams);
    const in0 = nIn > 0 ? word(at + OP_HEADER_WORDS) : -1;
    const in1 = nIn > 1 ? word(at + OP_HEADER_WORDS + 1) : -1;
    setw(s, S_IN_ELEMS, in0 >= 0 ? <i32>tensorElements(tensorRecord(in0)) : 0);
    setw(s, S_IN1_ELEMS, in1 >= 0 ? <i32>tensorElements(tensorRecord(in1)) : 0);
    setw(s, S_OUT_ELEMS, <i32>tensorElements(tensorRecord(out)));
    setw(s, S_OUT, <i32>tensorAddr(out));
    setw(s, S_PARAMS, <i32>(modelBase + (<usize>(at + OP_HEADER_WORDS + nIn + nOut) << 2)));
    dims4(s, S_IN_DIMS, nIn > 0 ? word(at + OP_HEADER_WORDS) : -1);
    dims4(s, S_OUT_DIMS, out);
    // Filter height and width: the middle two dims of a 4-D second input.
    setw(s, S_F_H, 1);
    setw(s, S_F_W, 1);
    if (nIn > 1) {
      const f = word(at + OP_HEADER_WORDS + 1);
      if (f >= 0 && load<i32>(tensorRecord(f) + (<usize>T_RANK << 2)) == 4) {
        setw(s, S_F_H, load<i32>(tensorRecord(f) + (<usize>(T_DIMS + 1) << 2)));
        setw(s, S_F_W, load<i32>(tensorRecord(f) + (<usize>(T_DIMS + 2) << 2)));
      }
    }
    const status = prepareOp(code, s);
    if (status != OK) return status;
    at += OP_HEADER_WORDS + nIn + nOut + nParams;
  }
  errorOp = -1;
  loaded = true;
  return OK;
}

/** Runs every operator in order. */
export function invoke(): i32 {
  if (!loaded) return E_NOT_LOADED;
  for (let k = 0; k < nOps; k++) {
    const s = opStates + (<usize>(k * STATE_WORDS) << 2);
    evalOp(sw(s, S_CODE), s);
  }
  return OK;
}

/** Runs operator `k` alone (per-operator checks, mixed CPU/NPU execution). */
export function invoke_op(k: i32): i32 {
  if (!loaded) return E_NOT_LOADED;
  if (k < 0 || k >= nOps) return E_BOUNDS;
  const s = opStates + (<usize>(k * STATE_WORDS) << 2);
  evalOp(sw(s, S_CODE), s);
  return OK;
}

export function input_ptr(i: i32): usize {
  return i >= 0 && i < nInputs ? tensor_ptr(load<i32>(inputs + (<usize>i << 2))) : 0;
}
export function output_ptr(i: i32): usize {
  return i >= 0 && i < nOutputs ? tensor_ptr(load<i32>(outputs + (<usize>i << 2))) : 0;
}
export function tensor_ptr(t: i32): usize {
  return t >= 0 && t < nTensors ? tensorAddr(t) : 0;
}
export function arena_ptr(): usize {
  return arena;
}
export function op_count(): i32 {
  return nOps;
}
/** The operator whose prepare failed in the last load, or -1. */
export function error_op(): i32 {
  return errorOp;
}
/** Bytes of linear memory the loaded model uses (static data, model, tables, states, arena). */
export function memory_used(): i32 {
  return <i32>memoryEnd;
}
