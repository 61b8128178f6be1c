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

// gemmlowp's fixed-point exp and reciprocal (SOFTMAX, LOGISTIC). Q0.31 results.

/** exp(a) for a in [-1/4, 0), Q0.31 in and out: Taylor series around -1/8. */
function expOnInterval(a: i32): i32 {
  const x = a + (1 << 28);
  const x2 = srdhm(x, x);
  const x3 = srdhm(x2, x);
  const x4 = srdhm(x2, x2);
  const x4over4 = rdbpot(x4, 2);
  const poly = rdbpot(srdhm(x4over4 + x3, 715827883) + x2, 1);
  return 1895147668 + srdhm(1895147668, x + poly);
}

/** exp(a) for a <= 0 held with `integerBits` (1..5) integer bits; the result in Q0.31. */
export function expOnNegative(a: i32, integerBits: i32): i32 {
  const fractionalBits = 31 - integerBits;
  const quarter = 1 << (fractionalBits - 2);
  const aModQuarterMinusQuarter = (a & (quarter - 1)) - quarter;
  let result = expOnInterval(satShl(aModQuarterMinusQuarter, integerBits));
  const remainder = aModQuarterMinusQuarter - a;
  // exp(-2^e) for e = -2..4, applied for each set bit of the remainder that the format has.
  if (integerBits > -2 && (remainder & (1 << (fractionalBits - 2)))) result = srdhm(result, 1672461947);
  if (integerBits > -1 && (remainder & (1 << (fractionalBits - 1)))) result = srdhm(result, 1302514674);
  if (integerBits > 0 && (remainder & (1 << fractionalBits))) result = srdhm(result, 790015084);
  if (integerBits > 1 && (remainder & (1 << (fractionalBits + 1)))) result = srdhm(result, 290630308);
  if (integerBits > 2 && (remainder & (1 << (fractionalBits + 2)))) result = srdhm(result, 39332535);
  if (integerBits > 3 && (remainder & (1 << (fractionalBits + 3)))) result = srdhm(result, 720401);
  if (integerBits > 4 && (remainder & (1 << (fractionalBits + 4)))) result = srdhm(result, 242);
  return a == 0 ? i32.MAX_VALUE : result;
}

/** 1 / (1 + a) for a in [0, 1), Q0.31, by Newton-Raphson in Q2.29. */
export function oneOverOnePlusX(a: i32): i32 {
  const sum: i64 = <i64>a + <i64>i32.MAX_VALUE;
  const half = <i32>((sum + (sum >= 0 ? 1 : -1)) / 2);
  let x = 1515870810 + srdhm(half, -1010580540);
  for (let i = 0; i < 3; i++) {
    const hx = srdhm(half, x);
    const oneMinus = (1 << 29) - hx;
    x = x + satShl(srdhm(x, oneMinus), 2);
  }
  return satShl(x, 1);
}
