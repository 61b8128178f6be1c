/* Host-side harness for firmware/crypto: one request per stdin line, one
 * answer per stdout line, all bytes as hex ("-" for none), so the TS test can
 * check it against the published vectors and node:crypto.
 *   sha256 <msg>          digest
 *   sha256x <msg> <step>  digest, fed in pieces of <step> bytes (the streaming path)
 *   sha256a <count>       digest of <count> bytes 'a' (FIPS's million-'a' vector)
 *   sha512 <msg> | sha512x <msg> <step> | sha512a <count>
 *   public <seed>         public key
 *   sign <seed> <msg>     signature (public key derived first)
 *   verify <pub> <msg> <sig>   1 or 0 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "crypto.h"
#include "hex.h"

static uint8_t msg[1 << 16];

static void put(const uint8_t *p, size_t n) {
  put_hex(p, n);
  printf("\n");
}

static void digest(int big, const uint8_t *p, size_t n, size_t step, uint8_t *out) {
  if (!step) step = n ? n : 1;
  if (big) {
    colony_sha512_t c;
    colony_sha512_init(&c);
    for (size_t at = 0; at < n; at += step) colony_sha512_update(&c, p + at, n - at < step ? n - at : step);
    colony_sha512_final(&c, out);
  } else {
    colony_sha256_t c;
    colony_sha256_init(&c);
    for (size_t at = 0; at < n; at += step) colony_sha256_update(&c, p + at, n - at < step ? n - at : step);
    colony_sha256_final(&c, out);
  }
}

int main(void) {
  static char line[1 << 18];
  while (fgets(line, sizeof line, stdin)) {
    char *op = strtok(line, " \n"), *a = strtok(NULL, " \n"), *b = strtok(NULL, " \n"), *c = strtok(NULL, " \n");
    uint8_t out[64], k1[32], k2[64];
    if (!op) continue;
    if (!strncmp(op, "sha256", 6) || !strncmp(op, "sha512", 6)) {
      int big = op[3] == '5';
      size_t n, step = 0;
      if (op[6] == 'a') { n = (size_t)strtoul(a, NULL, 10); if (n > sizeof msg) { static uint8_t *m; m = realloc(m, n); memset(m, 'a', n); digest(big, m, n, 997, out); put(out, big ? 64 : 32); continue; } memset(msg, 'a', n); }
      else n = unhex(a, msg, sizeof msg);
      if (op[6] == 'x') step = (size_t)strtoul(b, NULL, 10);
      digest(big, msg, n, step, out);
      if (!big && !step && op[6] == 0) { uint8_t one[32]; colony_sha256(msg, n, one); if (memcmp(one, out, 32)) { printf("one-shot differs\n"); continue; } }
      put(out, big ? 64 : 32);
    } else if (!strcmp(op, "public")) {
      unhex(a, k1, 32);
      colony_ed25519_public(out, k1);
      put(out, 32);
    } else if (!strcmp(op, "sign")) {
      uint8_t pub[32];
      unhex(a, k1, 32);
      size_t n = unhex(b, msg, sizeof msg);
      colony_ed25519_public(pub, k1);
      colony_ed25519_sign(out, msg, n, k1, pub);
      put(out, 64);
    } else if (!strcmp(op, "verify")) {
      unhex(a, k1, 32);
      size_t n = unhex(b, msg, sizeof msg);
      unhex(c, k2, 64);
      printf("%d\n", colony_ed25519_verify(k2, msg, n, k1));
    } else printf("unknown %s\n", op);
    fflush(stdout);
  }
  return 0;
}
