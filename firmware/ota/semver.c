/* Semantic versions as far as ordering agent releases needs: host/ota/semver.ts's rules
 * (the same accepted forms, the same precedence; build metadata ignored). */
#include <string.h>
#include "ota.h"

static int digit(char c) { return c >= '0' && c <= '9'; }
static int idchar(char c) { return digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-'; }

/* A number without leading zeros; returns chars used or 0. */
static int number(const char *p, unsigned long long *v) {
  int n = 0;
  *v = 0;
  while (digit(p[n])) {
    if (n > 18) return 0;
    *v = *v * 10 + (unsigned long long)(p[n] - '0');
    n++;
  }
  if (n > 1 && p[0] == '0') return 0;
  return n;
}

/* Dot-separated non-empty identifiers; returns chars used or -1. */
static int idents(const char *p) {
  int n = 0;
  for (;;) {
    int start = n;
    while (idchar(p[n])) n++;
    if (n == start) return -1;
    if (p[n] != '.') return n;
    n++;
  }
}

/* Parses; *pre points at the prerelease (length *npre, 0 when none). */
static int parse(const char *v, unsigned long long x[3], const char **pre, int *npre) {
  const char *p = v;
  for (int i = 0; i < 3; i++) {
    int n = number(p, &x[i]);
    if (!n) return 0;
    p += n;
    if (i < 2) {
      if (*p != '.') return 0;
      p++;
    }
  }
  *pre = p;
  *npre = 0;
  if (*p == '-') {
    int n = idents(p + 1);
    if (n < 0) return 0;
    *pre = p + 1;
    *npre = n;
    p += 1 + n;
  }
  if (*p == '+') {
    int n = idents(p + 1);
    if (n < 0) return 0;
    p += 1 + n;
  }
  return *p == 0;
}

int colony_semver_valid(const char *v) {
  unsigned long long x[3];
  const char *pre;
  int npre;
  return parse(v, x, &pre, &npre);
}

static int numeric(const char *p, int n) {
  for (int i = 0; i < n; i++)
    if (!digit(p[i])) return 0;
  return 1;
}

int colony_semver_compare(const char *a, const char *b) {
  unsigned long long x[3], y[3];
  const char *pa, *pb;
  int na, nb;
  if (!parse(a, x, &pa, &na) || !parse(b, y, &pb, &nb)) return 0;
  for (int i = 0; i < 3; i++)
    if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
  if (!na || !nb) return na == nb ? 0 : (na == 0 ? 1 : -1);
  int i = 0, j = 0;
  for (;;) {
    if (i >= na && j >= nb) return 0;
    if (i >= na) return -1;
    if (j >= nb) return 1;
    int li = 0, lj = 0;
    while (i + li < na && pa[i + li] != '.') li++;
    while (j + lj < nb && pb[j + lj] != '.') lj++;
    int an = numeric(pa + i, li), bn = numeric(pb + j, lj);
    if (an && bn) {
      /* numbers by value: strip leading zeros, then longer is larger */
      const char *p = pa + i, *q = pb + j;
      int lp = li, lq = lj;
      while (lp > 1 && *p == '0') p++, lp--;
      while (lq > 1 && *q == '0') q++, lq--;
      if (lp != lq) return lp < lq ? -1 : 1;
      int c = memcmp(p, q, (size_t)lp);
      if (c) return c < 0 ? -1 : 1;
    } else if (an != bn) {
      return an ? -1 : 1;
    } else {
      int c = memcmp(pa + i, pb + j, (size_t)(li < lj ? li : lj));
      if (c) return c < 0 ? -1 : 1;
      if (li != lj) return li < lj ? -1 : 1;
    }
    i += li + 1;
    j += lj + 1;
  }
}
