// TFLM / gemmlowp fixed-point arithmetic on int32, bit for bit.

/** SaturatingRoundingDoublingHighMul. */
// @ts-ignore: decorator
@inline export function srdhm(a: i32, b: i32): i32 {
  if (a == i32.MIN_VALUE && b == i32.MIN_VALUE) return i32.MAX_VALUE;
  const ab: i64 = <i64>a * <i64>b;
  const nudge: i64 = ab >= 0 ? <i64>0x40000000 : <i64>(1 - 0x40000000);
  return <i32>((ab + nudge) / <i64>0x80000000);
}

/** RoundingDivideByPOT, exponent in [0, 31]. */
// @ts-ignore: decorator
@inline export function rdbpot(x: i32, exponent: i32): i32 {
  const mask = (1 << exponent) - 1;
  const remainder = x & mask;
  const threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/** MultiplyByQuantizedMultiplier (TFLM reference, double rounding). */
// @ts-ignore: decorator
@inline export function mbqm(x: i32, multiplier: i32, shift: i32): i32 {
  const left = shift > 0 ? shift : 0;
  const right = shift > 0 ? 0 : -shift;
  return rdbpot(srdhm(x << left, multiplier), right);
}

/** SaturatingRoundingMultiplyByPOT for a positive exponent. */
// @ts-ignore: decorator
@inline export function satShl(x: i32, exponent: i32): i32 {
  const threshold = (1 << (31 - exponent)) - 1;
  if (x > threshold) return i32.MAX_VALUE;
  if (x < -threshold) return i32.MIN_VALUE;
  return x << exponent;
}

// @ts-ignore: decorator
@inline export function clamp(v: i32, lo: i32, hi: i32): i32 {
  return v < lo ? lo : v > hi ? hi : v;
}
