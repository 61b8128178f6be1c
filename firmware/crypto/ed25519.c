/* Ed25519 (RFC 8032, 5.1) written from the specification.
 * Field GF(2^255-19): ten signed limbs of 26 and 25 bits alternately (limb i at
 * bit ceil(25.5 i)), products in 64 bits; every operation carries its result
 * back into that range, so no bound has to be tracked across calls.
 * Points: extended twisted Edwards coordinates (X:Y:Z:T), x = X/Z, y = Y/Z,
 * xy = T/Z, with the complete addition law of 5.1.4 (a = -1).
 * Scalars mod L: 32-bit limbs and Barrett reduction (HAC 14.42).
 * Signing handles secrets without secret-dependent branches or indices: the
 * base multiple table is scanned whole with masks. Verifying is variable time
 * (everything in it is public). */
#include <string.h>
#include "crypto.h"

typedef int32_t fe[10];
typedef struct { fe X, Y, Z, T; } pt;

/* ---------- field ---------- */

static void carry(fe h, int64_t t[10]) {
  int64_t c;
  /* rounding carries: limbs end signed, |even| <= 2^25, |odd| <= 2^24 (limb 1 a little more) */
#define CARRY(i, bits, next, mul) c = (t[i] + ((int64_t)1 << (bits - 1))) >> bits; t[i] -= c * ((int64_t)1 << bits); t[next] += (mul) * c;
  CARRY(0, 26, 1, 1) CARRY(1, 25, 2, 1) CARRY(2, 26, 3, 1) CARRY(3, 25, 4, 1) CARRY(4, 26, 5, 1)
  CARRY(5, 25, 6, 1) CARRY(6, 26, 7, 1) CARRY(7, 25, 8, 1) CARRY(8, 26, 9, 1) CARRY(9, 25, 0, 19) /* 2^255 = 19 */
  CARRY(0, 26, 1, 1)
#undef CARRY
  for (int i = 0; i < 10; i++) h[i] = (int32_t)t[i];
}

static void fe_0(fe h) { memset(h, 0, sizeof(fe)); }
static void fe_1(fe h) { fe_0(h); h[0] = 1; }
static void fe_copy(fe h, const fe f) { memcpy(h, f, sizeof(fe)); }

static void fe_add(fe h, const fe f, const fe g) {
  int64_t t[10];
  for (int i = 0; i < 10; i++) t[i] = (int64_t)f[i] + g[i];
  carry(h, t);
}
static void fe_sub(fe h, const fe f, const fe g) {
  int64_t t[10];
  for (int i = 0; i < 10; i++) t[i] = (int64_t)f[i] - g[i];
  carry(h, t);
}
static void fe_neg(fe h, const fe f) {
  int64_t t[10];
  for (int i = 0; i < 10; i++) t[i] = -(int64_t)f[i];
  carry(h, t);
}

/* limb i times limb j lands at limb (i+j) mod 10, doubled when both are odd
 * (their offsets round up twice), times 19 past limb 9 (2^255 = 19 mod p).
 * Written out term by term (one 32x32->64 multiply-accumulate each); the
 * factors fold into one operand, which stays below 2^31 for carried limbs. */
static void fe_mul(fe h, const fe f, const fe g) {
  int32_t f0 = f[0], f1 = f[1], f2 = f[2], f3 = f[3], f4 = f[4], f5 = f[5], f6 = f[6], f7 = f[7], f8 = f[8], f9 = f[9];
  int32_t g0 = g[0], g1 = g[1], g2 = g[2], g3 = g[3], g4 = g[4], g5 = g[5], g6 = g[6], g7 = g[7], g8 = g[8], g9 = g[9];
  int32_t f1_2 = 2 * f1, f3_2 = 2 * f3, f5_2 = 2 * f5, f7_2 = 2 * f7, f9_2 = 2 * f9;
  int32_t g1_19 = 19 * g1, g2_19 = 19 * g2, g3_19 = 19 * g3, g4_19 = 19 * g4, g5_19 = 19 * g5, g6_19 = 19 * g6, g7_19 = 19 * g7, g8_19 = 19 * g8, g9_19 = 19 * g9;
  int64_t t[10];
  t[0] = (int64_t)f0 * g0 + (int64_t)f1_2 * g9_19 + (int64_t)f2 * g8_19 + (int64_t)f3_2 * g7_19 + (int64_t)f4 * g6_19 + (int64_t)f5_2 * g5_19 + (int64_t)f6 * g4_19 + (int64_t)f7_2 * g3_19 + (int64_t)f8 * g2_19 + (int64_t)f9_2 * g1_19;
  t[1] = (int64_t)f0 * g1 + (int64_t)f1 * g0 + (int64_t)f2 * g9_19 + (int64_t)f3 * g8_19 + (int64_t)f4 * g7_19 + (int64_t)f5 * g6_19 + (int64_t)f6 * g5_19 + (int64_t)f7 * g4_19 + (int64_t)f8 * g3_19 + (int64_t)f9 * g2_19;
  t[2] = (int64_t)f0 * g2 + (int64_t)f1_2 * g1 + (int64_t)f2 * g0 + (int64_t)f3_2 * g9_19 + (int64_t)f4 * g8_19 + (int64_t)f5_2 * g7_19 + (int64_t)f6 * g6_19 + (int64_t)f7_2 * g5_19 + (int64_t)f8 * g4_19 + (int64_t)f9_2 * g3_19;
  t[3] = (int64_t)f0 * g3 + (int64_t)f1 * g2 + (int64_t)f2 * g1 + (int64_t)f3 * g0 + (int64_t)f4 * g9_19 + (int64_t)f5 * g8_19 + (int64_t)f6 * g7_19 + (int64_t)f7 * g6_19 + (int64_t)f8 * g5_19 + (int64_t)f9 * g4_19;
  t[4] = (int64_t)f0 * g4 + (int64_t)f1_2 * g3 + (int64_t)f2 * g2 + (int64_t)f3_2 * g1 + (int64_t)f4 * g0 + (int64_t)f5_2 * g9_19 + (int64_t)f6 * g8_19 + (int64_t)f7_2 * g7_19 + (int64_t)f8 * g6_19 + (int64_t)f9_2 * g5_19;
  t[5] = (int64_t)f0 * g5 + (int64_t)f1 * g4 + (int64_t)f2 * g3 + (int64_t)f3 * g2 + (int64_t)f4 * g1 + (int64_t)f5 * g0 + (int64_t)f6 * g9_19 + (int64_t)f7 * g8_19 + (int64_t)f8 * g7_19 + (int64_t)f9 * g6_19;
  t[6] = (int64_t)f0 * g6 + (int64_t)f1_2 * g5 + (int64_t)f2 * g4 + (int64_t)f3_2 * g3 + (int64_t)f4 * g2 + (int64_t)f5_2 * g1 + (int64_t)f6 * g0 + (int64_t)f7_2 * g9_19 + (int64_t)f8 * g8_19 + (int64_t)f9_2 * g7_19;
  t[7] = (int64_t)f0 * g7 + (int64_t)f1 * g6 + (int64_t)f2 * g5 + (int64_t)f3 * g4 + (int64_t)f4 * g3 + (int64_t)f5 * g2 + (int64_t)f6 * g1 + (int64_t)f7 * g0 + (int64_t)f8 * g9_19 + (int64_t)f9 * g8_19;
  t[8] = (int64_t)f0 * g8 + (int64_t)f1_2 * g7 + (int64_t)f2 * g6 + (int64_t)f3_2 * g5 + (int64_t)f4 * g4 + (int64_t)f5_2 * g3 + (int64_t)f6 * g2 + (int64_t)f7_2 * g1 + (int64_t)f8 * g0 + (int64_t)f9_2 * g9_19;
  t[9] = (int64_t)f0 * g9 + (int64_t)f1 * g8 + (int64_t)f2 * g7 + (int64_t)f3 * g6 + (int64_t)f4 * g5 + (int64_t)f5 * g4 + (int64_t)f6 * g3 + (int64_t)f7 * g2 + (int64_t)f8 * g1 + (int64_t)f9 * g0;
  carry(h, t);
}

/* the same, each cross term once and doubled */
static void fe_sq(fe h, const fe f) {
  int32_t f0 = f[0], f1 = f[1], f2 = f[2], f3 = f[3], f4 = f[4], f5 = f[5], f6 = f[6], f7 = f[7], f8 = f[8], f9 = f[9];
  int32_t f0_2 = 2 * f0, f1_2 = 2 * f1, f2_2 = 2 * f2, f3_2 = 2 * f3, f4_2 = 2 * f4, f5_2 = 2 * f5, f6_2 = 2 * f6, f7_2 = 2 * f7, f8_2 = 2 * f8;
  int32_t f6_19 = 19 * f6, f7_19 = 19 * f7, f8_19 = 19 * f8, f9_19 = 19 * f9;
  int32_t f5_38 = 38 * f5, f7_38 = 38 * f7, f9_38 = 38 * f9;
  int64_t t[10];
  t[0] = (int64_t)f0 * f0 + (int64_t)f1_2 * f9_38 + (int64_t)f2_2 * f8_19 + (int64_t)f3_2 * f7_38 + (int64_t)f4_2 * f6_19 + (int64_t)f5 * f5_38;
  t[1] = (int64_t)f0_2 * f1 + (int64_t)f2_2 * f9_19 + (int64_t)f3_2 * f8_19 + (int64_t)f4_2 * f7_19 + (int64_t)f5_2 * f6_19;
  t[2] = (int64_t)f0_2 * f2 + (int64_t)f1 * f1_2 + (int64_t)f3_2 * f9_38 + (int64_t)f4_2 * f8_19 + (int64_t)f5_2 * f7_38 + (int64_t)f6 * f6_19;
  t[3] = (int64_t)f0_2 * f3 + (int64_t)f1_2 * f2 + (int64_t)f4_2 * f9_19 + (int64_t)f5_2 * f8_19 + (int64_t)f6_2 * f7_19;
  t[4] = (int64_t)f0_2 * f4 + (int64_t)f1_2 * f3_2 + (int64_t)f2 * f2 + (int64_t)f5_2 * f9_38 + (int64_t)f6_2 * f8_19 + (int64_t)f7 * f7_38;
  t[5] = (int64_t)f0_2 * f5 + (int64_t)f1_2 * f4 + (int64_t)f2_2 * f3 + (int64_t)f6_2 * f9_19 + (int64_t)f7_2 * f8_19;
  t[6] = (int64_t)f0_2 * f6 + (int64_t)f1_2 * f5_2 + (int64_t)f2_2 * f4 + (int64_t)f3 * f3_2 + (int64_t)f7_2 * f9_38 + (int64_t)f8 * f8_19;
  t[7] = (int64_t)f0_2 * f7 + (int64_t)f1_2 * f6 + (int64_t)f2_2 * f5 + (int64_t)f3_2 * f4 + (int64_t)f8_2 * f9_19;
  t[8] = (int64_t)f0_2 * f8 + (int64_t)f1_2 * f7_2 + (int64_t)f2_2 * f6 + (int64_t)f3_2 * f5_2 + (int64_t)f4 * f4 + (int64_t)f9 * f9_38;
  t[9] = (int64_t)f0_2 * f9 + (int64_t)f1_2 * f8 + (int64_t)f2_2 * f7 + (int64_t)f3_2 * f6 + (int64_t)f4_2 * f5;
  carry(h, t);
}
static void fe_sqn(fe h, const fe f, int n) { fe_sq(h, f); while (--n > 0) fe_sq(h, h); }

/* z^(2^250 - 1) and z^11, shared by the inversion and the square root */
static void pow_250(fe z250, fe z11, const fe z) {
  fe z2, z9, t, z5, z10, z20, z40, z50, z100, z200;
  fe_sq(z2, z);
  fe_sqn(t, z2, 2); fe_mul(z9, t, z);
  fe_mul(z11, z9, z2);
  fe_sq(t, z11); fe_mul(z5, t, z9);            /* 2^5 - 1 */
  fe_sqn(t, z5, 5); fe_mul(z10, t, z5);        /* 2^10 - 1 */
  fe_sqn(t, z10, 10); fe_mul(z20, t, z10);     /* 2^20 - 1 */
  fe_sqn(t, z20, 20); fe_mul(z40, t, z20);     /* 2^40 - 1 */
  fe_sqn(t, z40, 10); fe_mul(z50, t, z10);     /* 2^50 - 1 */
  fe_sqn(t, z50, 50); fe_mul(z100, t, z50);    /* 2^100 - 1 */
  fe_sqn(t, z100, 100); fe_mul(z200, t, z100); /* 2^200 - 1 */
  fe_sqn(t, z200, 50); fe_mul(z250, t, z50);   /* 2^250 - 1 */
}
/* z^(p-2) = z^(2^255 - 21) */
static void fe_inv(fe h, const fe z) {
  fe z250, z11, t;
  pow_250(z250, z11, z);
  fe_sqn(t, z250, 5);
  fe_mul(h, t, z11);
}
/* z^((p-5)/8) = z^(2^252 - 3) */
static void fe_pow22523(fe h, const fe z) {
  fe z250, z11, t;
  pow_250(z250, z11, z);
  fe_sqn(t, z250, 2);
  fe_mul(h, t, z);
}

/* the canonical little-endian encoding of h mod p (bit 255 clear) */
static void fe_tobytes(uint8_t s[32], const fe h) {
  int64_t t[10], u[10];
  for (int i = 0; i < 10; i++) t[i] = h[i];
  /* floor carries, three rounds: every limb non-negative and in range, value in [0, 2^255) */
  for (int round = 0; round < 3; round++)
    for (int i = 0; i < 10; i++) {
      int bits = (i & 1) ? 25 : 26;
      int64_t c = t[i] >> bits;
      t[i] -= c * ((int64_t)1 << bits);
      if (i < 9) t[i + 1] += c; else t[0] += 19 * c;
    }
  /* value + 19 reaches 2^255 exactly when value >= p: then value - p is that sum less 2^255 */
  memcpy(u, t, sizeof u);
  u[0] += 19;
  for (int i = 0; i < 9; i++) { int bits = (i & 1) ? 25 : 26; u[i + 1] += u[i] >> bits; u[i] &= ((int64_t)1 << bits) - 1; }
  int64_t top = u[9] >> 25;
  u[9] &= ((int64_t)1 << 25) - 1;
  int64_t mask = -top;
  for (int i = 0; i < 10; i++) t[i] ^= mask & (t[i] ^ u[i]);
  uint64_t acc = 0;
  int have = 0, o = 0;
  for (int i = 0; i < 10; i++) {
    acc |= (uint64_t)t[i] << have;
    have += (i & 1) ? 25 : 26;
    while (have >= 8) { s[o++] = (uint8_t)acc; acc >>= 8; have -= 8; }
  }
  while (o < 32) { s[o++] = (uint8_t)acc; acc >>= 8; }
}

/* the low 255 bits of s (not reduced: callers needing y < p check separately) */
static void fe_frombytes(fe h, const uint8_t s[32]) {
  int64_t t[10];
  int at = 0;
  for (int i = 0; i < 10; i++) {
    int bits = (i & 1) ? 25 : 26;
    uint64_t v = 0;
    for (int b = 0; b < bits; b++, at++) v |= (uint64_t)((s[at >> 3] >> (at & 7)) & 1) << b;
    t[i] = (int64_t)v;
  }
  carry(h, t);
}

static int fe_isneg(const fe f) { uint8_t s[32]; fe_tobytes(s, f); return s[0] & 1; }
static int fe_iszero(const fe f) {
  uint8_t s[32], d = 0;
  fe_tobytes(s, f);
  for (int i = 0; i < 32; i++) d |= s[i];
  return d == 0;
}
static int fe_eq(const fe f, const fe g) { fe d; fe_sub(d, f, g); return fe_iszero(d); }

/* h = g when b is 1, unchanged when 0, without a branch */
static void fe_cmov(fe h, const fe g, uint32_t b) {
  int32_t mask = -(int32_t)b;
  for (int i = 0; i < 10; i++) h[i] ^= mask & (h[i] ^ g[i]);
}

/* ---------- curve constants, computed once: d = -121665/121666, sqrt(-1) = 2^((p-1)/4) ---------- */

static fe D, D2, SQRTM1;
static pt BASE_TABLE[16]; /* i * B */
static int ready;

/* ---------- points ---------- */

static void pt_zero(pt *p) { fe_0(p->X); fe_1(p->Y); fe_1(p->Z); fe_0(p->T); }

static void pt_add(pt *r, const pt *p, const pt *q) {
  fe a, b, c, d, e, f, g, h, t;
  fe_sub(a, p->Y, p->X); fe_sub(t, q->Y, q->X); fe_mul(a, a, t);
  fe_add(b, p->Y, p->X); fe_add(t, q->Y, q->X); fe_mul(b, b, t);
  fe_mul(c, p->T, q->T); fe_mul(c, c, D2);
  fe_mul(d, p->Z, q->Z); fe_add(d, d, d);
  fe_sub(e, b, a); fe_sub(f, d, c); fe_add(g, d, c); fe_add(h, b, a);
  fe_mul(r->X, e, f); fe_mul(r->Y, g, h); fe_mul(r->T, e, h); fe_mul(r->Z, f, g);
}

static void pt_double(pt *r, const pt *p) {
  fe a, b, c, e, f, g, h, t;
  fe_sq(a, p->X); fe_sq(b, p->Y);
  fe_sq(c, p->Z); fe_add(c, c, c);
  fe_add(h, a, b);
  fe_add(t, p->X, p->Y); fe_sq(t, t); fe_sub(e, h, t);
  fe_sub(g, a, b); fe_add(f, c, g);
  fe_mul(r->X, e, f); fe_mul(r->Y, g, h); fe_mul(r->T, e, h); fe_mul(r->Z, f, g);
}

static void pt_encode(uint8_t s[32], const pt *p) {
  fe zi, x, y;
  fe_inv(zi, p->Z);
  fe_mul(x, p->X, zi); fe_mul(y, p->Y, zi);
  fe_tobytes(s, y);
  s[31] |= (uint8_t)(fe_isneg(x) << 7);
}

/* 5.1.3; 0 for an encoding that is no point (or a y not below p) */
static int pt_decode(pt *p, const uint8_t s[32]) {
  fe u, v, v3, vx2, t, x;
  uint8_t back[32];
  int sign = s[31] >> 7;
  fe_frombytes(p->Y, s);
  fe_tobytes(back, p->Y);
  back[31] |= (uint8_t)(sign << 7);
  if (memcmp(back, s, 32) != 0) return 0; /* y >= p */
  fe_1(p->Z);
  fe_sq(u, p->Y); fe_mul(v, u, D);
  fe_sub(u, u, p->Z); fe_add(v, v, p->Z);       /* u = y^2 - 1, v = d y^2 + 1 */
  fe_sq(v3, v); fe_mul(v3, v3, v);              /* v^3 */
  fe_sq(t, v3); fe_mul(t, t, v); fe_mul(t, t, u); /* u v^7 */
  fe_pow22523(t, t);
  fe_mul(x, t, v3); fe_mul(x, x, u);             /* u v^3 (u v^7)^((p-5)/8) */
  fe_sq(vx2, x); fe_mul(vx2, vx2, v);
  if (!fe_eq(vx2, u)) {
    fe nu;
    fe_neg(nu, u);
    if (!fe_eq(vx2, nu)) return 0;
    fe_mul(x, x, SQRTM1);
  }
  if (fe_iszero(x) && sign) return 0;
  if (fe_isneg(x) != sign) fe_neg(x, x);
  fe_copy(p->X, x);
  fe_mul(p->T, x, p->Y);
  return 1;
}

static void setup(void) {
  if (ready) return;
  fe a, t, one;
  int64_t w[10] = {0};
  fe_1(one);
  w[0] = 121666; carry(a, w);
  fe_inv(a, a);
  memset(w, 0, sizeof w); w[0] = -121665; carry(t, w);
  fe_mul(D, t, a);
  fe_add(D2, D, D);
  memset(w, 0, sizeof w); w[0] = 2; carry(t, w);
  fe_pow22523(a, t);          /* 2^(2^252 - 3) */
  fe_sq(a, a); fe_mul(SQRTM1, a, t); /* 2^(2^253 - 5) = 2^((p-1)/4) */
  (void)one;
  /* B: y = 4/5, x even; its encoding is 0x58 then 31 bytes 0x66 */
  uint8_t b[32];
  memset(b, 0x66, 32); b[0] = 0x58;
  pt_zero(&BASE_TABLE[0]);
  pt_decode(&BASE_TABLE[1], b);
  for (int i = 2; i < 16; i++) pt_add(&BASE_TABLE[i], &BASE_TABLE[i - 1], &BASE_TABLE[1]);
  ready = 1;
}

/* [s]B for a secret s: 4-bit windows, each lookup reads the whole table */
static void base_mul(pt *r, const uint8_t s[32]) {
  pt_zero(r);
  for (int i = 63; i >= 0; i--) {
    pt sel;
    uint32_t nib = (s[i >> 1] >> ((i & 1) * 4)) & 15;
    for (int k = 0; k < 4; k++) pt_double(r, r);
    pt_zero(&sel);
    for (uint32_t k = 0; k < 16; k++) {
      uint32_t eq = ((k ^ nib) - 1) >> 31; /* 1 when k == nib */
      fe_cmov(sel.X, BASE_TABLE[k].X, eq); fe_cmov(sel.Y, BASE_TABLE[k].Y, eq);
      fe_cmov(sel.Z, BASE_TABLE[k].Z, eq); fe_cmov(sel.T, BASE_TABLE[k].T, eq);
    }
    pt_add(r, r, &sel);
  }
}

/* ---------- scalars mod L ---------- */

static const uint32_t L[8] = {0x5cf5d3ed, 0x5812631a, 0xa2f79cd6, 0x14def9de, 0, 0, 0, 0x10000000};
/* floor(2^512 / L) */
static const uint32_t MU[9] = {0x0a2c131b, 0xed9ce5a3, 0x086329a7, 0x2106215d, 0xffffffeb, 0xffffffff, 0xffffffff, 0xffffffff, 0x0000000f};

/* r[0..na+nb) = a * b */
static void mp_mul(uint32_t *r, const uint32_t *a, int na, const uint32_t *b, int nb) {
  memset(r, 0, (size_t)(na + nb) * 4);
  for (int i = 0; i < na; i++) {
    uint64_t c = 0;
    for (int j = 0; j < nb; j++) {
      c += (uint64_t)a[i] * b[j] + r[i + j];
      r[i + j] = (uint32_t)c;
      c >>= 32;
    }
    r[i + nb] = (uint32_t)c;
  }
}

/* r = r - L when r >= L, by a mask (r: 9 limbs, below 3L) */
static void sub_l_if_ge(uint32_t r[9]) {
  uint32_t t[9];
  int64_t borrow = 0;
  for (int i = 0; i < 9; i++) {
    int64_t d = (int64_t)r[i] - (i < 8 ? L[i] : 0) + borrow;
    t[i] = (uint32_t)d;
    borrow = d >> 32; /* 0 or -1 */
  }
  uint32_t keep = (uint32_t)borrow; /* all ones when r < L */
  for (int i = 0; i < 9; i++) r[i] = (r[i] & keep) | (t[i] & ~keep);
}

/* out = x mod L for a 512-bit little-endian x */
static void sc_reduce(uint8_t out[32], const uint32_t x[16]) {
  uint32_t q2[18], q3[9], r2[17], r[9];
  mp_mul(q2, x + 7, 9, MU, 9);
  memcpy(q3, q2 + 9, sizeof q3);
  mp_mul(r2, q3, 9, L, 8);
  int64_t borrow = 0;
  for (int i = 0; i < 9; i++) { /* (x - q3 L) mod 2^288 */
    int64_t d = (int64_t)x[i] - r2[i] + borrow;
    r[i] = (uint32_t)d;
    borrow = d >> 32;
  }
  sub_l_if_ge(r);
  sub_l_if_ge(r);
  for (int i = 0; i < 32; i++) out[i] = (uint8_t)(r[i >> 2] >> (8 * (i & 3)));
}

static void load32(uint32_t *w, const uint8_t *s, int nbytes) {
  for (int i = 0; i < nbytes / 4; i++) w[i] = (uint32_t)s[4 * i] | (uint32_t)s[4 * i + 1] << 8 | (uint32_t)s[4 * i + 2] << 16 | (uint32_t)s[4 * i + 3] << 24;
}

static void sc_reduce64(uint8_t out[32], const uint8_t h[64]) {
  uint32_t x[16];
  load32(x, h, 64);
  sc_reduce(out, x);
}

/* out = (r + k a) mod L */
static void sc_muladd(uint8_t out[32], const uint8_t k[32], const uint8_t a[32], const uint8_t r[32]) {
  uint32_t kw[8], aw[8], rw[8], x[16];
  load32(kw, k, 32); load32(aw, a, 32); load32(rw, r, 32);
  mp_mul(x, kw, 8, aw, 8);
  uint64_t c = 0;
  for (int i = 0; i < 16; i++) { c += (uint64_t)x[i] + (i < 8 ? rw[i] : 0); x[i] = (uint32_t)c; c >>= 32; }
  sc_reduce(out, x);
}

/* s < L, compared from the top limb down */
static int sc_canonical(const uint8_t s[32]) {
  uint32_t w[8];
  load32(w, s, 32);
  for (int i = 7; i >= 0; i--) {
    if (w[i] < L[i]) return 1;
    if (w[i] > L[i]) return 0;
  }
  return 0;
}

/* ---------- RFC 8032 5.1.5 - 5.1.7 ---------- */

static void expand(uint8_t a[32], uint8_t prefix[32], const uint8_t seed[32]) {
  uint8_t h[64];
  colony_sha512_t c;
  colony_sha512_init(&c);
  colony_sha512_update(&c, seed, 32);
  colony_sha512_final(&c, h);
  memcpy(a, h, 32);
  a[0] &= 248; a[31] &= 127; a[31] |= 64;
  memcpy(prefix, h + 32, 32);
  memset(h, 0, sizeof h);
}

void colony_ed25519_public(uint8_t pub[32], const uint8_t seed[32]) {
  uint8_t a[32], prefix[32];
  pt A;
  setup();
  expand(a, prefix, seed);
  base_mul(&A, a);
  pt_encode(pub, &A);
  memset(a, 0, sizeof a); memset(prefix, 0, sizeof prefix);
}

void colony_ed25519_sign(uint8_t sig[64], const uint8_t *msg, size_t n, const uint8_t seed[32], const uint8_t pub[32]) {
  uint8_t a[32], prefix[32], h[64], r[32], k[32];
  colony_sha512_t c;
  pt R;
  setup();
  expand(a, prefix, seed);
  colony_sha512_init(&c);
  colony_sha512_update(&c, prefix, 32);
  colony_sha512_update(&c, msg, n);
  colony_sha512_final(&c, h);
  sc_reduce64(r, h);
  base_mul(&R, r);
  pt_encode(sig, &R);
  colony_sha512_init(&c);
  colony_sha512_update(&c, sig, 32);
  colony_sha512_update(&c, pub, 32);
  colony_sha512_update(&c, msg, n);
  colony_sha512_final(&c, h);
  sc_reduce64(k, h);
  sc_muladd(sig + 32, k, a, r);
  memset(a, 0, sizeof a); memset(prefix, 0, sizeof prefix); memset(r, 0, sizeof r); memset(h, 0, sizeof h);
}

int colony_ed25519_verify(const uint8_t sig[64], const uint8_t *msg, size_t n, const uint8_t pub[32]) {
  uint8_t h[64], k[32], check[32];
  colony_sha512_t c;
  pt A, Q, ta[16];
  setup();
  if (!sc_canonical(sig + 32) || !pt_decode(&A, pub)) return 0;
  colony_sha512_init(&c);
  colony_sha512_update(&c, sig, 32);
  colony_sha512_update(&c, pub, 32);
  colony_sha512_update(&c, msg, n);
  colony_sha512_final(&c, h);
  sc_reduce64(k, h);
  /* [S]B - [k]A, both scalars in one pass of 4-bit windows; it must encode as R */
  fe_neg(A.X, A.X); fe_neg(A.T, A.T);
  pt_zero(&ta[0]);
  ta[1] = A;
  for (int i = 2; i < 16; i++) pt_add(&ta[i], &ta[i - 1], &A);
  pt_zero(&Q);
  for (int i = 63; i >= 0; i--) {
    int sh = (i & 1) * 4;
    uint32_t ns = (sig[32 + (i >> 1)] >> sh) & 15, nk = (k[i >> 1] >> sh) & 15;
    for (int d = 0; d < 4; d++) pt_double(&Q, &Q);
    if (ns) pt_add(&Q, &Q, &BASE_TABLE[ns]);
    if (nk) pt_add(&Q, &Q, &ta[nk]);
  }
  pt_encode(check, &Q);
  return memcmp(check, sig, 32) == 0;
}
