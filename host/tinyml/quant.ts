// TFLite Micro's fixed-point rules, computed the way its reference code does (double precision,
// frexp-based Q31 multipliers, gemmlowp rounding). Used by the compiler (multipliers and shifts)
// and by the host-side NPU kernels (the integer arithmetic).

/** frexp: x = m * 2^e with 0.5 <= |m| < 1. */
export function frexp(x: number): [number, number] {
  if (x === 0 || !Number.isFinite(x)) return [x, 0];
  let e = Math.floor(Math.log2(Math.abs(x))) + 1;
  let m = x / 2 ** e;
  while (Math.abs(m) >= 1) { m /= 2; e++; }
  while (Math.abs(m) < 0.5) { m *= 2; e--; }
  return [m, e];
}

/** std::round: half away from zero. */
export function roundAway(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/** TFLM QuantizeMultiplier: a real multiplier as a Q31 value and a power-of-two shift (left if > 0). */
export function quantizeMultiplier(real: number): { multiplier: number; shift: number } {
  if (real === 0) return { multiplier: 0, shift: 0 };
  const [q, e] = frexp(real);
  let shift = e;
  let fixed = roundAway(q * 2 ** 31);
  if (fixed === 2 ** 31) { fixed /= 2; shift++; }
  if (shift < -31) { shift = 0; fixed = 0; }
  return { multiplier: fixed, shift };
}

/** TFLM CalculateActivationRangeQuantized for int8 output. */
export function activationRange(activation: number, scale: number, zeroPoint: number): [number, number] {
  const qmin = -128;
  const qmax = 127;
  // f / scale in float32, rounded, as the C++ does.
  const quantize = (f: number): number => zeroPoint + roundAway(Math.fround(Math.fround(f) / Math.fround(scale)));
  switch (activation) {
    case 0: return [qmin, qmax];
    case 1: return [Math.max(qmin, quantize(0)), qmax];
    case 2: return [Math.max(qmin, quantize(-1)), Math.min(qmax, quantize(1))];
    case 3: return [Math.max(qmin, quantize(0)), Math.min(qmax, quantize(6))];
    default: throw new Error(`activation ${activation}`);
  }
}

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** gemmlowp SaturatingRoundingDoublingHighMul on int32. */
export function srdhm(a: number, b: number): number {
  if (a === INT32_MIN && b === INT32_MIN) return INT32_MAX;
  const ab = BigInt(a) * BigInt(b);
  const nudge = ab >= 0n ? 1n << 30n : 1n - (1n << 30n);
  return Number((ab + nudge) / (1n << 31n)); // BigInt division truncates toward zero, like C
}

/** gemmlowp RoundingDivideByPOT on int32. */
export function rdbpot(x: number, exponent: number): number {
  const mask = exponent >= 31 ? 0x7fffffff : (1 << exponent) - 1;
  const remainder = x & mask;
  const threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/** TFLM MultiplyByQuantizedMultiplier (double rounding, the reference default). */
export function mbqm(x: number, multiplier: number, shift: number): number {
  const left = shift > 0 ? shift : 0;
  const right = shift > 0 ? 0 : -shift;
  return rdbpot(srdhm(Math.imul(x, 1 << left), multiplier), right);
}

/** gemmlowp SaturatingRoundingMultiplyByPOT for a positive exponent (a saturating left shift). */
export function satShiftLeft(x: number, exponent: number): number {
  const threshold = (1 << (31 - exponent)) - 1;
  if (x > threshold) return INT32_MAX;
  if (x < -threshold) return INT32_MIN;
  return x << exponent;
}

export const I32 = { MIN: INT32_MIN, MAX: INT32_MAX };

/** floor(sqrt(v)) exactly, for the layer norm's integer references (the kernel's own rule). */
export function isqrt(v: bigint): bigint {
  if (v <= 0n) return 0n;
  let x = BigInt(Math.floor(Math.sqrt(Number(v))));
  while (x * x > v) x--;
  while ((x + 1n) * (x + 1n) <= v) x++;
  return x;
}
