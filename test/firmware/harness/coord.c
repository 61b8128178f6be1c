/* Host-side harness for firmware/runtime/coord.c (with envelope.c): one request per
 * stdin line, answers on stdout.
 *   argv: <device id> <seed hex> <derive prefix> <seq base>
 *   seal <agent> <topic> <body hex> <ts>   "ok <topic> <retain 0|1> <envelope hex>" or "refused <rc> <console line>"
 *   open <topic> <envelope hex>            "ok <body hex>", "none", or "refused <why>"
 *   refused                                the refusal counters by reason */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "colony.h"
#include "coord.h"
#include "../crypto/crypto.h"
#include "hex.h"
#define HARNESS_CONSOLE_BYTES 512
#include "console.h"

static uint64_t now_ms;
uint64_t colony_now(void) { return now_ms; }

static colony_agent_t agents[1];
static colony_envelope_t env;
static char device[48];
const colony_config_t colony_config = {"host", device, "lab", 0, COLONY_CLOCK_VIRTUAL, 1, 1, agents, 0, &env};


int main(int argc, char **argv) {
  static uint8_t seed[32], pub[32];
  static char line[1 << 16], topic[96];
  static uint8_t in[1 << 15], out[2048];
  if (argc < 5) { fprintf(stderr, "usage: coord <device> <seed> <prefix> <seq base>\n"); return 2; }
  strncpy(device, argv[1], sizeof device - 1);
  unhex(argv[2], seed, 32);
  colony_ed25519_public(pub, seed);
  env.seed = seed; env.pub = pub;
  env.derive_prefix = argv[3];
  env.seq_base = strtoull(argv[4], NULL, 10);
  env.seal = colony_envelope_seal; env.open = colony_envelope_open;
  while (fgets(line, sizeof line, stdin)) {
    char *op = strtok(line, " \n"), *a = strtok(NULL, " \n"), *b = strtok(NULL, " \n"), *c = strtok(NULL, " \n"), *d = strtok(NULL, " \n");
    if (!op) continue;
    console[0] = 0;
    if (!strcmp(op, "seal") && a && b) {
      size_t n = unhex(c, in, sizeof in);
      uint32_t tn = 0;
      int retain = -1;
      now_ms = d ? strtoull(d, NULL, 10) : 0;
      int32_t r = colony_coord_seal(&env, a, b, (uint32_t)strlen(b), in, (uint32_t)n, topic, sizeof topic, &tn, &retain, out, sizeof out);
      if (r < 0) printf("refused %d %s", (int)r, strtok(console, "\n") ? console : "");
      else { printf("ok %.*s %d ", (int)tn, topic, retain); put_hex(out, (size_t)r); }
      printf("\n");
    } else if (!strcmp(op, "open") && a) {
      size_t n = unhex(b, in, sizeof in);
      const uint8_t *data; uint32_t dn; char why[160];
      int32_t r = colony_coord_open(&env, a, (uint32_t)strlen(a), in, (uint32_t)n, &data, &dn, why, sizeof why);
      if (r == 0) { printf("ok "); put_hex(data, dn); }
      else if (r == 1) printf("none");
      else printf("refused %s", why);
      printf("\n");
    } else if (!strcmp(op, "refused")) {
      for (int i = 0; i < COLONY_COORD_REASONS; i++) printf("%s%u", i ? " " : "", (unsigned)colony_coord_refused(i));
      printf("\n");
    } else printf("unknown %s\n", op);
    fflush(stdout);
  }
  return 0;
}
