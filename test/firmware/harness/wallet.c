/* Host-side harness for firmware/runtime/wallet.c: one transaction per stdin line,
 *   <kind> <from> <to> <amount> <nonce> <ref or -> <arbiter or -> <seed hex>
 * answered with its wire form in hex (or "error <code>"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "colony.h"
#include "../crypto/crypto.h"
#include "hex.h"

int main(void) {
  static char line[4096];
  static uint8_t out[1024];
  while (fgets(line, sizeof line, stdin)) {
    char kind[16], from[80], to[80], ref[80], arb[80], seedhex[80];
    unsigned long long amount, nonce;
    if (sscanf(line, "%15s %79s %79s %llu %llu %79s %79s %79s", kind, from, to, &amount, &nonce, ref, arb, seedhex) != 8) { puts("error parse"); continue; }
    if (!strcmp(ref, "-")) ref[0] = 0;
    if (!strcmp(arb, "-")) arb[0] = 0;
    uint8_t seed[32], pub[32];
    unhex(seedhex, seed, 32);
    colony_ed25519_public(pub, seed);
    int32_t n = colony_wallet_wire(out, sizeof out, kind, from, (const uint8_t *)to, (uint32_t)strlen(to), amount, nonce, (const uint8_t *)ref, (uint32_t)strlen(ref),
                                   (const uint8_t *)arb, (uint32_t)strlen(arb), seed, pub);
    if (n < 0) { printf("error %d\n", n); continue; }
    for (int32_t i = 0; i < n; i++) printf("%02x", out[i]);
    printf("\n");
  }
  return 0;
}
