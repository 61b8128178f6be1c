// Host-side int8 kernels with TFLM's integer semantics: the simulated NPU's datapath. They read and
// write the same bytes the inference core does, so an operator can run on either unit.
import { Builtin } from "../builtins.ts";
import { I32, mbqm, rdbpot, satShiftLeft, srdhm } from "../quant.ts";
import type { CompiledOp, CompiledTensor } from "../model.ts";

/** Views of one operator's tensors (int8 activations and weights, int32 biases). */
export interface OpTensors {
  inputs: (Int8Array | Int32Array | Float32Array | null)[];
  outputs: (Int8Array | Float32Array)[];
  shapes: { inputs: (number[] | null)[]; outputs: number[][] };
}

export type HostKernel = (op: CompiledOp, t: OpTensors) => void;

const clamp = (v: number, lo: number, hi: number): number => (v < lo ? lo : v > hi ? hi : v);

function d4(s: number[]): [number, number, number, number] {
  const p = [1, 1, 1, 1, ...s].slice(-4);
  return [p[0]!, p[1]!, p[2]!, p[3]!];
}

function conv(op: CompiledOp, t: OpTensors, depthwise: boolean): void {
  const p = op.params;
  const [sw, sh, dw, dh, padW, padH, inOff, outOff, amin, amax, C, depthMult] = p;
  const input = t.inputs[0] as Int8Array;
  const filter = t.inputs[1] as Int8Array;
  const bias = t.inputs[2] as Int32Array | null;
  const out = t.outputs[0] as Int8Array;
  const [nb, ih, iw, ic] = d4(t.shapes.inputs[0]!);
  const [, fh, fw] = d4(t.shapes.inputs[1]!);
  const [, oh, ow, oc] = d4(t.shapes.outputs[0]!);
  const mult = p.subarray(12, 12 + C!);
  const shift = p.subarray(12 + C!, 12 + 2 * C!);
  const perChannel = C! > 1 ? 1 : 0;
  for (let b = 0; b < nb; b++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++)
        for (let o = 0; o < oc; o++) {
          const iy0 = oy * sh! - padH!;
          const ix0 = ox * sw! - padW!;
          let acc = 0;
          for (let ky = 0; ky < fh; ky++) {
            const iy = iy0 + dh! * ky;
            if (iy < 0 || iy >= ih) continue;
            for (let kx = 0; kx < fw; kx++) {
              const ix = ix0 + dw! * kx;
              if (ix < 0 || ix >= iw) continue;
              if (depthwise) {
                const ci = (o / depthMult!) | 0;
                acc += filter[(ky * fw + kx) * oc + o]! * (input[((b * ih + iy) * iw + ix) * ic + ci]! + inOff!);
              } else {
                const fbase = ((o * fh + ky) * fw + kx) * ic;
                const ibase = ((b * ih + iy) * iw + ix) * ic;
                for (let c = 0; c < ic; c++) acc += filter[fbase + c]! * (input[ibase + c]! + inOff!);
              }
            }
          }
          if (bias) acc += bias[o]!;
          const ch = perChannel * o;
          const v = mbqm(acc | 0, mult[ch]!, shift[ch]!) + outOff!;
          out[((b * oh + oy) * ow + ox) * oc + o] = clamp(v, amin!, amax!);
        }
}

function fullyConnected(op: CompiledOp, t: OpTensors): void {
  const p = op.params;
  const [inOff, fOff, outOff, amin, amax, C, batches, depth, units] = p;
  const input = t.inputs[0] as Int8Array;
  const filter = t.inputs[1] as Int8Array;
  const bias = t.inputs[2] as Int32Array | null;
  const out = t.outputs[0] as Int8Array;
  for (let b = 0; b < batches!; b++)
    for (let u = 0; u < units!; u++) {
      let acc = 0;
      for (let d = 0; d < depth!; d++) acc += (input[b * depth! + d]! + inOff!) * (filter[u * depth! + d]! + fOff!);
      if (bias) acc += bias[u]!;
      const ch = C! > 1 ? u : 0;
      out[b * units! + u] = clamp(mbqm(acc | 0, p[9 + ch]!, p[9 + C! + ch]!) + outOff!, amin!, amax!);
    }
}

function pool(op: CompiledOp, t: OpTensors, max: boolean): void {
  const [sw, sh, fw, fh, padW, padH, amin, amax] = op.params;
  const input = t.inputs[0] as Int8Array;
  const out = t.outputs[0] as Int8Array;
  const [nb, ih, iw, ic] = d4(t.shapes.inputs[0]!);
  const [, oh, ow] = d4(t.shapes.outputs[0]!);
  for (let b = 0; b < nb; b++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++)
        for (let c = 0; c < ic; c++) {
          const iy0 = oy * sh! - padH!;
          const ix0 = ox * sw! - padW!;
          const y0 = Math.max(0, -iy0), y1 = Math.min(fh!, ih - iy0);
          const x0 = Math.max(0, -ix0), x1 = Math.min(fw!, iw - ix0);
          let acc = max ? -128 : 0;
          let count = 0;
          for (let y = y0; y < y1; y++)
            for (let x = x0; x < x1; x++) {
              const v = input[((b * ih + iy0 + y) * iw + ix0 + x) * ic + c]!;
              if (max) acc = Math.max(acc, v);
              else acc += v;
              count++;
            }
          if (!max) acc = acc > 0 ? Math.trunc((acc + Math.trunc(count / 2)) / count) : Math.trunc((acc - Math.trunc(count / 2)) / count);
          out[((b * oh + oy) * ow + ox) * ic + c] = clamp(acc, amin!, amax!);
        }
}

function add(op: CompiledOp, t: OpTensors): void {
  const [o1, o2, oo, ls, m1, s1, m2, s2, mo, so, amin, amax] = op.params;
  const a = t.inputs[0] as Int8Array;
  const b = t.inputs[1] as Int8Array;
  const out = t.outputs[0] as Int8Array;
  for (let i = 0; i < out.length; i++) {
    const x = mbqm((a[i]! + o1!) << ls!, m1!, s1!);
    const y = mbqm((b[i]! + o2!) << ls!, m2!, s2!);
    out[i] = clamp(mbqm((x + y) | 0, mo!, so!) + oo!, amin!, amax!);
  }
}

// gemmlowp fixed point, int32 raw values. Q0 = 0 integer bits, Q2 = 2, Q5 = 5.
function expOnIntervalQ0(a: number): number {
  const x = (a + (1 << 28)) | 0;
  const x2 = srdhm(x, x);
  const x3 = srdhm(x2, x);
  const x4 = srdhm(x2, x2);
  const x4over4 = rdbpot(x4, 2);
  const poly = rdbpot((srdhm((x4over4 + x3) | 0, 715827883) + x2) | 0, 1);
  return (1895147668 + srdhm(1895147668, (x + poly) | 0)) | 0;
}

/** exp(a) for a <= 0 with `integerBits` integer bits (gemmlowp exp_on_negative_values), Q0.31 result (also the event model's integer reference). */
export function expOnNegative(a: number, integerBits: number): number {
  const fractionalBits = 31 - integerBits;
  const quarter = 1 << (fractionalBits - 2);
  const aModQuarterMinusQuarter = ((a & (quarter - 1)) - quarter) | 0;
  let result = expOnIntervalQ0(satShiftLeft(aModQuarterMinusQuarter, integerBits));
  const remainder = (aModQuarterMinusQuarter - a) | 0;
  const barrel: [number, number][] = [[-2, 1672461947], [-1, 1302514674], [0, 790015084], [1, 290630308], [2, 39332535], [3, 720401], [4, 242]];
  for (const [e, m] of barrel) if (integerBits > e && remainder & (1 << (fractionalBits + e))) result = srdhm(result, m);
  return a === 0 ? I32.MAX : result;
}

export function oneOverOnePlusXQ0(a: number): number {
  const sum = a + I32.MAX;
  const half = Math.trunc((sum + (sum >= 0 ? 1 : -1)) / 2);
  let x = (1515870810 + srdhm(half, -1010580540)) | 0;
  for (let i = 0; i < 3; i++) {
    const hx = srdhm(half, x);
    const oneMinus = ((1 << 29) - hx) | 0;
    x = (x + satShiftLeft(srdhm(x, oneMinus), 2)) | 0;
  }
  return satShiftLeft(x, 1);
}

function softmax(op: CompiledOp, t: OpTensors): void {
  const [mult, leftShift, diffMin, depth, outer] = op.params;
  const input = t.inputs[0] as Int8Array;
  const out = t.outputs[0] as Int8Array;
  for (let r = 0; r < outer!; r++) {
    const base = r * depth!;
    let maxv = -128;
    for (let c = 0; c < depth!; c++) maxv = Math.max(maxv, input[base + c]!);
    let sum = 0;
    for (let c = 0; c < depth!; c++) {
      const diff = input[base + c]! - maxv;
      if (diff >= diffMin!) sum = (sum + rdbpot(expOnNegative(srdhm(diff * (1 << leftShift!), mult!), 5), 12)) | 0;
    }
    const headroom = Math.clz32(sum);
    const bitsOverUnit = 12 - headroom;
    const shiftedSumMinusOne = ((sum << headroom) - 0x80000000) | 0;
    const scale = oneOverOnePlusXQ0(shiftedSumMinusOne);
    for (let c = 0; c < depth!; c++) {
      const diff = input[base + c]! - maxv;
      if (diff >= diffMin!) {
        const e = expOnNegative(srdhm(diff * (1 << leftShift!), mult!), 5);
        out[base + c] = clamp(rdbpot(srdhm(scale, e), bitsOverUnit + 31 - 8) - 128, -128, 127);
      } else out[base + c] = -128;
    }
  }
}

function copy(_op: CompiledOp, t: OpTensors): void {
  const i = t.inputs[0] as Int8Array;
  const o = t.outputs[0] as Int8Array;
  if (i.buffer !== o.buffer || i.byteOffset !== o.byteOffset) o.set(new Int8Array(i.buffer, i.byteOffset, o.byteLength));
}

function quantize(op: CompiledOp, t: OpTensors): void {
  const p = op.params;
  const out = t.outputs[0] as Int8Array;
  if (p[0] === 0) {
    const scale = new Float32Array(new Int32Array([p[2]!]).buffer)[0]!;
    const input = t.inputs[0] as Float32Array;
    for (let i = 0; i < p[1]!; i++) {
      const q = Math.fround(input[i]! / scale);
      out[i] = clamp((q < 0 ? -Math.round(-q) : Math.round(q)) + p[3]!, -128, 127);
    }
  } else {
    const input = t.inputs[0] as Int8Array;
    for (let i = 0; i < p[1]!; i++) out[i] = clamp(mbqm(input[i]! + p[2]!, p[4]!, p[5]!) + p[3]!, -128, 127);
  }
}

function dequantize(op: CompiledOp, t: OpTensors): void {
  const [n, zp, bits] = op.params;
  const scale = new Float32Array(new Int32Array([bits!]).buffer)[0]!;
  const input = t.inputs[0] as Int8Array;
  const out = t.outputs[0] as Float32Array;
  for (let i = 0; i < n!; i++) out[i] = Math.fround(scale * (input[i]! - zp!));
}

function relu(op: CompiledOp, t: OpTensors): void {
  const [n, izp, ozp, m, s, amin, amax] = op.params;
  const input = t.inputs[0] as Int8Array;
  const out = t.outputs[0] as Int8Array;
  for (let i = 0; i < n!; i++) out[i] = clamp(ozp! + mbqm(input[i]! - izp!, m!, s!), amin!, amax!);
}

function pad(op: CompiledOp, t: OpTensors): void {
  const p = op.params;
  const input = t.inputs[0] as Int8Array;
  const out = t.outputs[0] as Int8Array;
  const [inN, ih, iw, ic] = d4(t.shapes.inputs[0]!);
  const [on, oh, ow, oc] = d4(t.shapes.outputs[0]!);
  let i = 0;
  for (let n = 0; n < on; n++)
    for (let y = 0; y < oh; y++)
      for (let x = 0; x < ow; x++)
        for (let c = 0; c < oc; c++) {
          const [a, b, cc, d] = [n - p[1]!, y - p[2]!, x - p[3]!, c - p[4]!];
          const inside = a >= 0 && a < inN && b >= 0 && b < ih && cc >= 0 && cc < iw && d >= 0 && d < ic;
          out[i++] = inside ? input[((a * ih + b) * iw + cc) * ic + d]! : p[0]!;
        }
}

function concatenation(op: CompiledOp, t: OpTensors): void {
  const p = op.params;
  const out = t.outputs[0] as Int8Array;
  let at = 0;
  for (let o = 0; o < p[0]!; o++)
    for (let k = 0; k < p[1]!; k++) {
      const inner = p[3 + 2 * k]!;
      out.set((t.inputs[k] as Int8Array).subarray(o * inner, (o + 1) * inner), at);
      at += inner;
    }
}

function logistic(op: CompiledOp, t: OpTensors): void {
  const [n, zp, radius, mult, shift] = op.params;
  const input = t.inputs[0] as Int8Array;
  const out = t.outputs[0] as Int8Array;
  for (let i = 0; i < n!; i++) {
    const x = input[i]! - zp!;
    if (x <= -radius!) out[i] = -128;
    else if (x >= radius!) out[i] = 127;
    else {
      const a = mbqm(x, mult!, shift!);
      let r: number;
      if (a === 0) r = 1 << 30;
      else {
        const pos = oneOverOnePlusXQ0(expOnNegative(a > 0 ? -a : a, 4));
        r = a > 0 ? pos : (I32.MAX - pos) | 0;
      }
      out[i] = clamp(rdbpot(r, 23) - 128, -128, 127);
    }
  }
}

export const HOST_KERNELS: Record<number, HostKernel> = {
  [Builtin.CONV_2D]: (op, t) => conv(op, t, false),
  [Builtin.DEPTHWISE_CONV_2D]: (op, t) => conv(op, t, true),
  [Builtin.FULLY_CONNECTED]: fullyConnected,
  [Builtin.AVERAGE_POOL_2D]: (op, t) => pool(op, t, false),
  [Builtin.MAX_POOL_2D]: (op, t) => pool(op, t, true),
  [Builtin.ADD]: add,
  [Builtin.SOFTMAX]: softmax,
  [Builtin.RESHAPE]: copy,
  [Builtin.QUANTIZE]: quantize,
  [Builtin.DEQUANTIZE]: dequantize,
  [Builtin.RELU]: relu,
  [Builtin.RELU6]: relu,
  [Builtin.PAD]: pad,
  [Builtin.CONCATENATION]: concatenation,
  [Builtin.LOGISTIC]: logistic,
};

/** Typed views of a tensor's bytes. */
export function viewOf(t: CompiledTensor, bytes: Uint8Array): Int8Array | Int32Array | Float32Array {
  const n = t.shape.reduce((a, b) => a * b, 1);
  if (t.type === "int8") return new Int8Array(bytes.buffer, bytes.byteOffset, n);
  const aligned = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
  return t.type === "int32" ? new Int32Array(aligned.buffer, aligned.byteOffset, n) : new Float32Array(aligned.buffer, aligned.byteOffset, n);
}
