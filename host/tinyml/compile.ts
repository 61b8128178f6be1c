// .tflite -> CompiledModel: checks every operator against what the core implements, precomputes
// everything that does not depend on the data (multipliers, shifts, padding, clamps), plans the arena.
import { ModelError } from "./errors.ts";
import { readTflite, type TfliteModel, type TfliteOperator, type TfliteTensor } from "./tflite.ts";
import { Builtin } from "./builtins.ts";
import { activationRange, frexp, quantizeMultiplier, roundAway } from "./quant.ts";
import { planMemory, type PlanBuffer } from "./plan.ts";
import { summarize, tensorBytes, type CompiledModel, type CompiledOp, type CompiledTensor, type TensorType } from "./model.ts";

const TYPES: Record<string, TensorType> = { INT8: "int8", INT32: "int32", FLOAT32: "float32" };

/** Options union type each operator must carry (schema BuiltinOptions). */
const OPTIONS_TYPE: Record<number, number> = {
  [Builtin.CONV_2D]: 1,
  [Builtin.DEPTHWISE_CONV_2D]: 2,
  [Builtin.AVERAGE_POOL_2D]: 5,
  [Builtin.MAX_POOL_2D]: 5,
  [Builtin.FULLY_CONNECTED]: 8,
  [Builtin.SOFTMAX]: 9,
  [Builtin.ADD]: 11,
  [Builtin.CONCATENATION]: 10,
};

export function compileModel(tflite: Uint8Array): CompiledModel {
  return compileTflite(readTflite(tflite));
}

export function compileTflite(m: TfliteModel): CompiledModel {
  const tensors = m.tensors.map((t) => convertTensor(t));
  const ops = m.operators.map((op) => compileOp(m, op));
  // RESHAPE of an activation is an alias: its output shares the input's bytes (no copy, no extra arena).
  const alias = new Map<number, number>();
  for (const op of ops) {
    if (op.code === Builtin.RESHAPE && !m.outputs.includes(op.outputs[0]!) && !m.inputs.includes(op.inputs[0]!)) {
      alias.set(op.outputs[0]!, root(alias, op.inputs[0]!));
    }
  }
  // Lifetimes of every activation (non-constant) tensor, over operator indices.
  const life = new Map<number, PlanBuffer>();
  const touch = (ti: number, at: number): void => {
    if (ti < 0 || tensors[ti]!.data) return;
    const r = root(alias, ti);
    const size = Math.max(tensorBytes(tensors[r]!), tensorBytes(tensors[ti]!));
    const b = life.get(r);
    if (!b) life.set(r, { size, firstUse: at, lastUse: at });
    else { b.firstUse = Math.min(b.firstUse, at); b.lastUse = Math.max(b.lastUse, at); b.size = Math.max(b.size, size); }
  };
  for (const i of m.inputs) touch(i, 0);
  ops.forEach((op, k) => { for (const i of [...op.inputs, ...op.outputs]) touch(i, k); });
  for (const o of m.outputs) touch(o, ops.length - 1);
  const roots = [...life.keys()];
  const { offsets, arenaBytes } = planMemory(roots.map((r) => life.get(r)!));
  roots.forEach((r, i) => { tensors[r]!.arenaOffset = offsets[i]!; });
  for (const [t, r] of alias) tensors[t]!.arenaOffset = tensors[root(alias, r)]!.arenaOffset;
  for (const i of [...m.inputs, ...m.outputs]) {
    if (tensors[i]!.type !== "int8") throw new ModelError("unsupported", `model input/output tensor ${i} is ${tensors[i]!.type}, only int8 is supported`);
  }
  // Tensors no operator touches (unused constants such as a RESHAPE's shape) are dropped from the data.
  const used = new Set<number>([...m.inputs, ...m.outputs]);
  for (const op of ops) for (const i of [...op.inputs, ...op.outputs]) if (i >= 0) used.add(i);
  tensors.forEach((t, i) => { if (!used.has(i)) t.data = null; });
  return { tensors, ops, inputs: m.inputs, outputs: m.outputs, arenaBytes, summary: summarize(tensors, ops, m.inputs, m.outputs, arenaBytes) };
}

function root(alias: Map<number, number>, t: number): number {
  let r = t;
  while (alias.has(r)) r = alias.get(r)!;
  return r;
}

function convertTensor(t: TfliteTensor): CompiledTensor {
  const type = TYPES[t.type];
  if (!type) throw new ModelError("unsupported", `tensor ${t.index} "${t.name}" has type ${t.type}; supported: INT8, INT32, FLOAT32`);
  const q = t.quant;
  return {
    name: t.name,
    type,
    shape: t.shape.length ? t.shape : [1],
    scale: q ? q.scale : [],
    zeroPoint: q ? q.zeroPoint : [],
    quantDim: q ? q.quantizedDimension : 0,
    arenaOffset: -1,
    data: t.data ? t.data.slice() : null,
  };
}

interface Ctx {
  m: TfliteModel;
  op: TfliteOperator;
}

function compileOp(m: TfliteModel, op: TfliteOperator): CompiledOp {
  const ctx: Ctx = { m, op };
  const want = OPTIONS_TYPE[op.code];
  if (want !== undefined && op.options && op.optionsType !== want) {
    bad(ctx, `carries builtin options of type ${op.optionsType}, expected ${want}`);
  }
  // A CUSTOM op the core implements gets its own compiled code; any other custom op is refused by name.
  if (op.code === Builtin.CUSTOM) {
    if (op.customCode !== LAYER_NORM_CUSTOM) throw new ModelError("unsupported", `operator ${op.index} CUSTOM "${op.customCode}" is not supported by the inference core (only ${LAYER_NORM_CUSTOM})`);
    op.code = Builtin.LAYER_NORM;
    op.name = "LAYER_NORM";
  }
  const build = BUILDERS[op.code];
  if (!build) throw new ModelError("unsupported", `operator ${op.index} ${op.name} (builtin code ${op.code}) is not supported by the inference core`);
  const { params, macs } = build(ctx);
  return { code: op.code, name: op.name, inputs: op.inputs, outputs: op.outputs, params: Int32Array.from(params), macs };
}

function bad(ctx: Ctx, why: string): never {
  throw new ModelError("unsupported", `operator ${ctx.op.index} ${ctx.op.name}: ${why}`);
}

function tensor(ctx: Ctx, slot: "in" | "out", k: number, type?: string): TfliteTensor {
  const list = slot === "in" ? ctx.op.inputs : ctx.op.outputs;
  const i = list[k];
  if (i === undefined || i < 0) bad(ctx, `missing ${slot}put ${k}`);
  const t = ctx.m.tensors[i]!;
  if (type && t.type !== type) bad(ctx, `${slot}put ${k} (tensor ${i}) is ${t.type}, expected ${type}`);
  return t;
}

function q1(ctx: Ctx, t: TfliteTensor): { scale: number; zp: number } {
  if (!t.quant) bad(ctx, `tensor ${t.index} "${t.name}" has no quantization`);
  return { scale: t.quant.scale[0]!, zp: t.quant.zeroPoint[0] ?? 0 };
}

function dims4(t: TfliteTensor): [number, number, number, number] {
  const s = t.shape;
  if (s.length === 4) return [s[0]!, s[1]!, s[2]!, s[3]!];
  const pad = [1, 1, 1, 1, ...s].slice(-4);
  return [pad[0]!, pad[1]!, pad[2]!, pad[3]!];
}

function elements(t: TfliteTensor): number {
  return t.shape.reduce((a, b) => a * b, 1);
}

/** TFLM padding: SAME (0) or VALID (1), total padding split with the extra pixel after. */
function padding(ctx: Ctx, kind: number, stride: number, dilation: number, inSize: number, filter: number, outSize: number): number {
  const eff = (filter - 1) * dilation + 1;
  const expected = kind === 0 ? Math.floor((inSize + stride - 1) / stride) : Math.floor((inSize - eff + stride) / stride);
  if (expected !== outSize) bad(ctx, `output size ${outSize} does not match ${kind === 0 ? "SAME" : "VALID"} padding (expected ${expected})`);
  const total = Math.max((outSize - 1) * stride + eff - inSize, 0);
  return Math.floor(total / 2);
}

type Built = { params: number[]; macs: number };
const BUILDERS: Record<number, (ctx: Ctx) => Built> = {
  [Builtin.CONV_2D]: (ctx) => convLike(ctx, false),
  [Builtin.DEPTHWISE_CONV_2D]: (ctx) => convLike(ctx, true),
  [Builtin.FULLY_CONNECTED]: fullyConnected,
  [Builtin.AVERAGE_POOL_2D]: pool,
  [Builtin.MAX_POOL_2D]: pool,
  [Builtin.ADD]: add,
  [Builtin.SOFTMAX]: softmax,
  [Builtin.RESHAPE]: reshape,
  [Builtin.QUANTIZE]: quantize,
  [Builtin.DEQUANTIZE]: dequantize,
  [Builtin.RELU]: (ctx) => relu(ctx, 1),
  [Builtin.RELU6]: (ctx) => relu(ctx, 3),
  [Builtin.PAD]: pad,
  [Builtin.CONCATENATION]: concatenation,
  [Builtin.LOGISTIC]: logistic,
  [Builtin.MUL]: mul,
  [Builtin.BATCH_MATMUL]: batchMatmul,
  [Builtin.GELU]: gelu,
  [Builtin.GATHER]: gather,
  [Builtin.TRANSPOSE]: transpose,
  [Builtin.LAYER_NORM]: layerNorm,
};

/** Per-channel (or per-tensor) multipliers: double(in) * double(filter[c]) / double(out), as TFLM. */
function channelMultipliers(ctx: Ctx, input: TfliteTensor, filter: TfliteTensor, output: TfliteTensor, channels: number): number[] {
  const fq = filter.quant;
  if (!fq) bad(ctx, `filter tensor ${filter.index} has no quantization`);
  if (fq.scale.length !== 1 && fq.scale.length !== channels) bad(ctx, `filter has ${fq.scale.length} scales for ${channels} channels`);
  if (fq.zeroPoint.some((z) => z !== 0)) bad(ctx, "filter zero point is not 0 (asymmetric int8 weights are not supported)");
  const inScale = q1(ctx, input).scale;
  const outScale = q1(ctx, output).scale;
  const mult: number[] = [];
  const shift: number[] = [];
  for (let c = 0; c < channels; c++) {
    const fs = fq.scale.length === 1 ? fq.scale[0]! : fq.scale[c]!;
    const q = quantizeMultiplier((inScale * fs) / outScale);
    mult.push(q.multiplier);
    shift.push(q.shift);
  }
  return [...mult, ...shift];
}

/**
 * bias[c] + inputOffset * sum(filter[c]) per output channel: with it, an output whose window lies wholly
 * inside the input is sum(filter * input) + this, the same int32 as TFLM's sum(filter * (input + offset)) + bias.
 */
function foldedBias(ctx: Ctx, filter: TfliteTensor, inOffset: number, channels: number, depthwise: boolean): number[] {
  const w = new Int8Array(filter.data!.buffer, filter.data!.byteOffset, filter.data!.length);
  const bi = ctx.op.inputs[2];
  const bias = bi !== undefined && bi >= 0 ? ctx.m.tensors[bi]!.data! : null;
  const biasView = bias ? new DataView(bias.buffer, bias.byteOffset, bias.byteLength) : null;
  const out: number[] = [];
  const per = w.length / channels;
  for (let c = 0; c < channels; c++) {
    let sum = 0;
    for (let k = 0; k < per; k++) sum += depthwise ? w[k * channels + c]! : w[c * per + k]!;
    out.push(((biasView ? biasView.getInt32(4 * c, true) : 0) + Math.imul(inOffset, sum)) | 0);
  }
  return out;
}

function checkBias(ctx: Ctx, channels: number): void {
  const bi = ctx.op.inputs[2];
  if (bi === undefined || bi < 0) return;
  const b = tensor(ctx, "in", 2, "INT32");
  if (!b.data) bad(ctx, "bias is not a constant");
  if (elements(b) !== channels) bad(ctx, `bias has ${elements(b)} values for ${channels} channels`);
}

function convLike(ctx: Ctx, depthwise: boolean): Built {
  const input = tensor(ctx, "in", 0, "INT8");
  const filter = tensor(ctx, "in", 1, "INT8");
  const output = tensor(ctx, "out", 0, "INT8");
  if (!filter.data) bad(ctx, "filter is not a constant");
  const o = ctx.op.options;
  const pad = o ? o.i8(0) : 0;
  const sw = o ? o.i32(1) : 1;
  const sh = o ? o.i32(2) : 1;
  const act = o ? o.i8(depthwise ? 4 : 3) : 0;
  const dw = o ? o.i32(depthwise ? 5 : 4, 1) : 1;
  const dh = o ? o.i32(depthwise ? 6 : 5, 1) : 1;
  if (act > 3) bad(ctx, `fused activation ${act} is not supported`);
  const [nb, ih, iw, ic] = dims4(input);
  const [fo, fh, fw, fi] = dims4(filter);
  const [ob, oh, ow, oc] = dims4(output);
  if (nb !== ob) bad(ctx, "batch of input and output differ");
  let depthMult = 1;
  if (depthwise) {
    if (fo !== 1 || fi !== oc) bad(ctx, `filter shape [${filter.shape}] is not [1, h, w, ${oc}]`);
    depthMult = oc / ic;
    if (!Number.isInteger(depthMult)) bad(ctx, `output channels ${oc} not a multiple of input channels ${ic}`);
  } else if (fo !== oc || fi !== ic) bad(ctx, `filter shape [${filter.shape}] does not match input ${ic} / output ${oc} channels`);
  checkBias(ctx, oc);
  const padH = padding(ctx, pad, sh, dh, ih, fh, oh);
  const padW = padding(ctx, pad, sw, dw, iw, fw, ow);
  const iq = q1(ctx, input);
  const oq = q1(ctx, output);
  const [amin, amax] = activationRange(act, oq.scale, oq.zp);
  const macs = nb * oh * ow * oc * fh * fw * (depthwise ? 1 : ic);
  return {
    params: [sw, sh, dw, dh, padW, padH, -iq.zp, oq.zp, amin, amax, oc, depthMult, ...channelMultipliers(ctx, input, filter, output, oc),
      ...foldedBias(ctx, filter, -iq.zp, oc, depthwise)],
    macs,
  };
}

function fullyConnected(ctx: Ctx): Built {
  const input = tensor(ctx, "in", 0, "INT8");
  const filter = tensor(ctx, "in", 1, "INT8");
  const output = tensor(ctx, "out", 0, "INT8");
  if (!filter.data) bad(ctx, "weights are not a constant");
  const o = ctx.op.options;
  const act = o ? o.i8(0) : 0;
  if (o && o.i8(1) !== 0) bad(ctx, `weights_format ${o.i8(1)} is not supported`);
  if (act > 3) bad(ctx, `fused activation ${act} is not supported`);
  if (filter.shape.length !== 2) bad(ctx, `weights shape [${filter.shape}] is not 2-D`);
  const [units, depth] = [filter.shape[0]!, filter.shape[1]!];
  const batches = elements(input) / depth;
  if (!Number.isInteger(batches) || elements(output) !== batches * units) bad(ctx, `shapes [${input.shape}] x [${filter.shape}] -> [${output.shape}] do not agree`);
  checkBias(ctx, units);
  const iq = q1(ctx, input);
  const oq = q1(ctx, output);
  const [amin, amax] = activationRange(act, oq.scale, oq.zp);
  const fq = filter.quant;
  if (!fq) bad(ctx, "weights have no quantization");
  let mults: number[];
  if (fq.scale.length === 1) {
    // Per-tensor: TFLM multiplies the two float scales in float, then divides in double.
    if ((fq.zeroPoint[0] ?? 0) !== 0) bad(ctx, "weights zero point is not 0");
    const q = quantizeMultiplier(Math.fround(Math.fround(iq.scale) * Math.fround(fq.scale[0]!)) / oq.scale);
    mults = [q.multiplier, q.shift];
  } else mults = channelMultipliers(ctx, input, filter, output, units);
  const channels = mults.length / 2;
  return {
    params: [-iq.zp, 0, oq.zp, amin, amax, channels, batches, depth, units, ...mults, ...foldedBias(ctx, filter, -iq.zp, units, false)],
    macs: batches * units * depth,
  };
}

function pool(ctx: Ctx): Built {
  const input = tensor(ctx, "in", 0, "INT8");
  const output = tensor(ctx, "out", 0, "INT8");
  const o = ctx.op.options;
  if (!o) bad(ctx, "missing Pool2DOptions");
  const [pad, sw, sh, fw, fh, act] = [o.i8(0), o.i32(1), o.i32(2), o.i32(3), o.i32(4), o.i8(5)];
  if (act > 3) bad(ctx, `fused activation ${act} is not supported`);
  const [, ih, iw, ic] = dims4(input);
  const [, oh, ow, oc] = dims4(output);
  if (ic !== oc) bad(ctx, "input and output depth differ");
  const iq = q1(ctx, input);
  const oq = q1(ctx, output);
  if (iq.scale !== oq.scale || iq.zp !== oq.zp) bad(ctx, "input and output quantization differ (TFLM requires them equal)");
  const [amin, amax] = activationRange(act, oq.scale, oq.zp);
  const padH = padding(ctx, pad, sh, 1, ih, fh, oh);
  const padW = padding(ctx, pad, sw, 1, iw, fw, ow);
  return { params: [sw, sh, fw, fh, padW, padH, amin, amax], macs: 0 };
}

function add(ctx: Ctx): Built {
  const a = tensor(ctx, "in", 0, "INT8");
  const b = tensor(ctx, "in", 1, "INT8");
  const out = tensor(ctx, "out", 0, "INT8");
  if (elements(a) !== elements(out) || elements(b) !== elements(out) || a.shape.join() !== b.shape.join()) {
    bad(ctx, `broadcasting [${a.shape}] + [${b.shape}] is not supported`);
  }
  const act = ctx.op.options ? ctx.op.options.i8(0) : 0;
  if (act > 3) bad(ctx, `fused activation ${act} is not supported`);
  const [qa, qb, qo] = [q1(ctx, a), q1(ctx, b), q1(ctx, out)];
  const leftShift = 20;
  const twiceMax = 2 * Math.max(qa.scale, qb.scale);
  const m1 = quantizeMultiplier(qa.scale / twiceMax);
  const m2 = quantizeMultiplier(qb.scale / twiceMax);
  const mo = quantizeMultiplier(twiceMax / ((1 << leftShift) * qo.scale));
  const [amin, amax] = activationRange(act, qo.scale, qo.zp);
  return {
    params: [-qa.zp, -qb.zp, qo.zp, leftShift, m1.multiplier, m1.shift, m2.multiplier, m2.shift, mo.multiplier, mo.shift, amin, amax],
    macs: 0,
  };
}

function softmax(ctx: Ctx): Built {
  const input = tensor(ctx, "in", 0, "INT8");
  const output = tensor(ctx, "out", 0, "INT8");
  const oq = q1(ctx, output);
  if (Math.abs(oq.scale - 1 / 256) > 1e-9 || oq.zp !== -128) bad(ctx, "int8 output must have scale 1/256 and zero point -128");
  const beta = ctx.op.options ? ctx.op.options.f32(0) : 1;
  const scaledDiffIntegerBits = 5;
  const real = Math.min(beta * q1(ctx, input).scale * 2 ** (31 - scaledDiffIntegerBits), 2 ** 31 - 1);
  const q = quantizeMultiplier(real);
  if (q.shift < 0) bad(ctx, "input scale too small for the int8 softmax");
  const maxInputRescaled = ((2 ** scaledDiffIntegerBits - 1) * 2 ** (31 - scaledDiffIntegerBits)) / 2 ** q.shift;
  const diffMin = -Math.floor(maxInputRescaled);
  const depth = input.shape[input.shape.length - 1]!;
  return { params: [q.multiplier, q.shift, diffMin, depth, elements(input) / depth], macs: 0 };
}

function reshape(ctx: Ctx): Built {
  const input = tensor(ctx, "in", 0);
  const output = tensor(ctx, "out", 0);
  if (elements(input) !== elements(output) || input.type !== output.type) bad(ctx, `cannot reshape [${input.shape}] to [${output.shape}]`);
  // Only the data input matters; the optional shape tensor is dropped.
  ctx.op.inputs = [ctx.op.inputs[0]!];
  return { params: [elements(input) * (input.type === "INT8" ? 1 : 4)], macs: 0 };
}

function quantize(ctx: Ctx): Built {
  const input = tensor(ctx, "in", 0);
  const output = tensor(ctx, "out", 0, "INT8");
  const oq = q1(ctx, output);
  const n = elements(output);
  if (input.type === "FLOAT32") return { params: [0, n, f32bits(oq.scale), oq.zp], macs: 0 };
  if (input.type === "INT8") {
    const iq = q1(ctx, input);
    const q = quantizeMultiplier(iq.scale / oq.scale);
    return { params: [1, n, -iq.zp, oq.zp, q.multiplier, q.shift], macs: 0 };
  }
  bad(ctx, `input type ${input.type} is not supported (FLOAT32 or INT8)`);
}

function dequantize(ctx: Ctx): Built {
  const input = tensor(ctx, "in", 0, "INT8");
  tensor(ctx, "out", 0, "FLOAT32");
  const iq = q1(ctx, input);
  return { params: [elements(input), iq.zp, f32bits(iq.scale)], macs: 0 };
}

function relu(ctx: Ctx, act: number): Built {
  const input = tensor(ctx, "in", 0, "INT8");
  const output = tensor(ctx, "out", 0, "INT8");
  const [iq, oq] = [q1(ctx, input), q1(ctx, output)];
  const q = quantizeMultiplier(iq.scale / oq.scale);
  const [amin, amax] = activationRange(act, oq.scale, oq.zp);
  return { params: [elements(input), iq.zp, oq.zp, q.multiplier, q.shift, amin, amax], macs: 0 };
}

function logistic(ctx: Ctx): Built {
  const input = tensor(ctx, "in", 0, "INT8");
  const output = tensor(ctx, "out", 0, "INT8");
  const oq = q1(ctx, output);
  if (oq.scale !== 1 / 256 || oq.zp !== -128) bad(ctx, "int8 output must have scale 1/256 and zero point -128");
  const iq = q1(ctx, input);
  // TFLM: frexp of in_scale * 2^27 and a plain rounding to Q31 (no renormalisation), radius from the shift.
  const inputIntegerBits = 4;
  const [q, shift] = frexp(iq.scale * 2 ** (31 - inputIntegerBits));
  const multiplier = roundAway(q * 2 ** 31) | 0;
  const radius = Math.floor(((2 ** inputIntegerBits - 1) * 2 ** (31 - inputIntegerBits)) / 2 ** shift);
  return { params: [elements(input), iq.zp, radius, multiplier, shift], macs: 0 };
}

function sameQuant(ctx: Ctx, a: TfliteTensor, b: TfliteTensor): void {
  const [qa, qb] = [q1(ctx, a), q1(ctx, b)];
  if (qa.scale !== qb.scale || qa.zp !== qb.zp) bad(ctx, `tensors ${a.index} and ${b.index} differ in quantization (int8 needs them equal)`);
}

function pad(ctx: Ctx): Built {
  const input = tensor(ctx, "in", 0, "INT8");
  const paddings = tensor(ctx, "in", 1, "INT32");
  const output = tensor(ctx, "out", 0, "INT8");
  sameQuant(ctx, input, output);
  const rank = input.shape.length;
  if (rank > 4 || !paddings.data || paddings.shape.join() !== `${rank},2`) bad(ctx, `paddings must be a constant [${rank}, 2] int32 tensor`);
  const pv = new DataView(paddings.data.buffer, paddings.data.byteOffset, paddings.data.byteLength);
  const before = [0, 0, 0, 0];
  const after = [0, 0, 0, 0];
  for (let d = 0; d < rank; d++) {
    before[4 - rank + d] = pv.getInt32(8 * d, true);
    after[4 - rank + d] = pv.getInt32(8 * d + 4, true);
    if (input.shape[d]! + before[4 - rank + d]! + after[4 - rank + d]! !== output.shape[d]) bad(ctx, `padding of dimension ${d} does not give the output shape`);
  }
  ctx.op.inputs = [ctx.op.inputs[0]!];
  return { params: [q1(ctx, output).zp, ...before, ...after], macs: 0 };
}

function concatenation(ctx: Ctx): Built {
  const output = tensor(ctx, "out", 0, "INT8");
  const o = ctx.op.options;
  const rank = output.shape.length;
  let axis = o ? o.i32(0) : 0;
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank) bad(ctx, `axis ${o ? o.i32(0) : 0} out of range for rank ${rank}`);
  if (o && o.i8(1) !== 0) bad(ctx, "a fused activation is not supported");
  const outer = output.shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const params = [outer, ctx.op.inputs.length];
  let total = 0;
  ctx.op.inputs.forEach((_, k) => {
    const t = tensor(ctx, "in", k, "INT8");
    sameQuant(ctx, t, output);
    if (t.shape.length !== rank || t.shape.some((d, i) => i !== axis && d !== output.shape[i])) bad(ctx, `input ${k} shape [${t.shape}] does not fit output [${output.shape}]`);
    const inner = t.shape.slice(axis).reduce((a, b) => a * b, 1);
    total += t.shape[axis]!;
    params.push(t.index, inner);
  });
  if (total !== output.shape[axis]) bad(ctx, "inputs do not add up to the output along the axis");
  return { params, macs: 0 };
}

function f32bits(x: number): number {
  const b = new DataView(new ArrayBuffer(4));
  b.setFloat32(0, x, true);
  return b.getInt32(0, true);
}

/** The custom_code under which a .tflite carries Colony's fused int8 layer norm. */
export const LAYER_NORM_CUSTOM = "COLONY_LAYER_NORM";

function fusedActivation(ctx: Ctx): number {
  const act = ctx.op.options ? ctx.op.options.i8(0) : 0;
  if (act > 3) bad(ctx, `fused activation ${act} is not supported`);
  return act;
}

function mul(ctx: Ctx): Built {
  const a = tensor(ctx, "in", 0, "INT8");
  const b = tensor(ctx, "in", 1, "INT8");
  const out = tensor(ctx, "out", 0, "INT8");
  const n = elements(a), n2 = elements(b);
  // The second input may repeat along the trailing dimensions of the first (a per-feature scale).
  const trailing = a.shape.slice(a.shape.length - b.shape.length).join();
  if (elements(out) !== n || n2 > n || (n2 !== n && trailing !== b.shape.join()) || n % n2 !== 0) {
    bad(ctx, `broadcasting [${a.shape}] * [${b.shape}] -> [${out.shape}] is not supported (same shape, or the second matching the trailing dimensions)`);
  }
  const [qa, qb, qo] = [q1(ctx, a), q1(ctx, b), q1(ctx, out)];
  const q = quantizeMultiplier((qa.scale * qb.scale) / qo.scale);
  const [amin, amax] = activationRange(fusedActivation(ctx), qo.scale, qo.zp);
  return { params: [n, n2, -qa.zp, -qb.zp, qo.zp, q.multiplier, q.shift, amin, amax], macs: n };
}

function batchMatmul(ctx: Ctx): Built {
  const lhs = tensor(ctx, "in", 0, "INT8");
  const rhs = tensor(ctx, "in", 1, "INT8");
  const out = tensor(ctx, "out", 0, "INT8");
  const o = ctx.op.options;
  const adjX = o ? o.i8(0) : 0, adjY = o ? o.i8(1) : 0;
  if (lhs.shape.length < 2 || rhs.shape.length < 2) bad(ctx, `operands [${lhs.shape}] and [${rhs.shape}] must be at least 2-D`);
  const rows = (t: TfliteTensor): [number, number, number] => {
    const s = t.shape;
    return [s.slice(0, -2).reduce((x, y) => x * y, 1), s[s.length - 2]!, s[s.length - 1]!];
  };
  const [lb, l0, l1] = rows(lhs);
  const [rb, r0, r1] = rows(rhs);
  const [M, K] = adjX ? [l1, l0] : [l0, l1];
  const [K2, N] = adjY ? [r1, r0] : [r0, r1];
  if (K !== K2) bad(ctx, `inner dimensions differ: [${lhs.shape}]${adjX ? "^T" : ""} x [${rhs.shape}]${adjY ? "^T" : ""}`);
  if (lb !== rb && lb !== 1 && rb !== 1) bad(ctx, `batch dimensions of [${lhs.shape}] and [${rhs.shape}] do not broadcast (equal, or one of them 1)`);
  const batches = Math.max(lb, rb);
  if (elements(out) !== batches * M * N || out.shape[out.shape.length - 1] !== N) bad(ctx, `output [${out.shape}] is not ${batches} x ${M} x ${N}`);
  const [ql, qr, qo] = [q1(ctx, lhs), q1(ctx, rhs), q1(ctx, out)];
  const q = quantizeMultiplier((ql.scale * qr.scale) / qo.scale);
  return {
    params: [-ql.zp, -qr.zp, qo.zp, q.multiplier, q.shift, -128, 127, batches, lb === 1 && batches > 1 ? 0 : M * K, rb === 1 && batches > 1 ? 0 : K * N, M, K, N, adjX ? 1 : 0, adjY ? 1 : 0],
    macs: batches * M * N * K,
  };
}

/** erf to double precision, for the exact GELU. */
export function erf(x: number): number {
  // Abramowitz-Stegun 7.1.28 is too coarse for tables that must round like the float operator; the series
  // converges fast for |x| < 3 and erfc's continued fraction covers the rest.
  const ax = Math.abs(x);
  if (ax < 3) {
    let term = ax, sum = ax;
    for (let n = 1; n < 200; n++) {
      term *= (-ax * ax) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc(x) = exp(-x^2) / sqrt(pi) * 1 / (x + 1/2 / (x + 1 / (x + 3/2 / (x + ...))))
  let f = ax;
  for (let n = 60; n >= 1; n--) f = ax + n / 2 / f;
  return Math.sign(x) * (1 - Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f);
}

/** GELU of a real value: exact (erf) or the tanh approximation, as TFLite's `approximate` option says. */
export function geluReal(x: number, approximate: boolean): number {
  if (approximate) return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
  return 0.5 * x * (1 + erf(x / Math.SQRT2));
}

function gelu(ctx: Ctx): Built {
  const input = tensor(ctx, "in", 0, "INT8");
  const output = tensor(ctx, "out", 0, "INT8");
  const [iq, oq] = [q1(ctx, input), q1(ctx, output)];
  const approximate = ctx.op.options ? ctx.op.options.i8(0) !== 0 : false;
  const table = new Int8Array(256);
  for (let q = -128; q < 128; q++) {
    const y = geluReal(iq.scale * (q - iq.zp), approximate);
    table[q + 128] = Math.max(-128, Math.min(127, roundAway(y / oq.scale) + oq.zp));
  }
  return { params: [elements(input), ...new Int32Array(table.buffer)], macs: 0 };
}

function gather(ctx: Ctx): Built {
  const table = tensor(ctx, "in", 0, "INT8");
  const indices = tensor(ctx, "in", 1);
  const out = tensor(ctx, "out", 0, "INT8");
  const o = ctx.op.options;
  const axis = o ? o.i32(0) : 0;
  if (axis !== 0 || (o ? o.i32(1) : 0) !== 0) bad(ctx, `only axis 0 without batch dimensions is supported (axis ${axis})`);
  if (indices.type !== "INT8" && indices.type !== "INT32") bad(ctx, `indices are ${indices.type}, expected INT8 or INT32`);
  const rows = table.shape[0]!, depth = elements(table) / rows, count = elements(indices);
  if (elements(out) !== count * depth) bad(ctx, `output [${out.shape}] is not ${count} rows of ${depth}`);
  sameQuant(ctx, table, out);
  return { params: [rows, depth, count, indices.type === "INT32" ? 1 : 0, q1(ctx, table).zp], macs: 0 };
}

function transpose(ctx: Ctx): Built {
  const input = tensor(ctx, "in", 0, "INT8");
  const perm = tensor(ctx, "in", 1, "INT32");
  const output = tensor(ctx, "out", 0, "INT8");
  const rank = input.shape.length;
  if (rank > 4 || !perm.data || elements(perm) !== rank) bad(ctx, `perm must be a constant int32 vector of ${rank} (rank at most 4)`);
  sameQuant(ctx, input, output);
  const pv = new DataView(perm.data.buffer, perm.data.byteOffset, perm.data.byteLength);
  const p = Array.from({ length: rank }, (_, i) => pv.getInt32(4 * i, true));
  if ([...p].sort().join() !== Array.from({ length: rank }, (_, i) => i).join()) bad(ctx, `perm [${p}] is not a permutation of 0..${rank - 1}`);
  p.forEach((d, i) => { if (output.shape[i] !== input.shape[d]) bad(ctx, `output [${output.shape}] is not the input [${input.shape}] permuted by [${p}]`); });
  // Padded to 4-D: leading ones, the permutation shifted by the padding.
  const lead = 4 - rank;
  const dims = [...Array(lead).fill(1), ...input.shape];
  const perm4 = [...Array.from({ length: lead }, (_, i) => i), ...p.map((d) => d + lead)];
  ctx.op.inputs = [ctx.op.inputs[0]!];
  return { params: [...dims, ...perm4], macs: 0 };
}

/** Bits of fraction in the layer norm's normalised value (see assembly/tinyml/kernels/layer_norm.ts). */
export const LAYER_NORM_FRACTION_BITS = 11;

function layerNorm(ctx: Ctx): Built {
  const input = tensor(ctx, "in", 0, "INT8");
  const gamma = tensor(ctx, "in", 1, "FLOAT32");
  const beta = tensor(ctx, "in", 2, "FLOAT32");
  const output = tensor(ctx, "out", 0, "INT8");
  const depth = input.shape[input.shape.length - 1]!;
  if (!gamma.data || !beta.data || elements(gamma) !== depth || elements(beta) !== depth) bad(ctx, `gamma and beta must be constant float32 vectors of ${depth}`);
  if (elements(output) !== elements(input)) bad(ctx, `output [${output.shape}] differs from input [${input.shape}]`);
  const [iq, oq] = [q1(ctx, input), q1(ctx, output)];
  const g = new Float32Array(gamma.data.slice().buffer), bt = new Float32Array(beta.data.slice().buffer);
  // epsilon (1e-5 unless the tensor's name carries none): in input codes, times depth^2 as v is.
  const epsQ = Math.min(2 ** 31 - 1, Math.round((1e-5 / (iq.scale * iq.scale)) * depth * depth));
  const mults: number[] = [], shifts: number[] = [], betas: number[] = [];
  for (let i = 0; i < depth; i++) {
    const q = quantizeMultiplier(g[i]! / (oq.scale * 2 ** LAYER_NORM_FRACTION_BITS));
    mults.push(q.multiplier);
    shifts.push(q.shift);
    betas.push(roundAway(bt[i]! / oq.scale));
  }
  ctx.op.inputs = [ctx.op.inputs[0]!];
  return { params: [elements(input) / depth, depth, iq.zp, oq.zp, epsQ, ...mults, ...shifts, ...betas], macs: 2 * elements(input) };
}
