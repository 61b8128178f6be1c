/* Host-side harness for firmware/runtime/envelope.c: the firmware's sealing and
 * opening compiled for the host, one request per stdin line, answers on stdout.
 *   argv: <device id> <seed hex> <derive prefix or -> <seq base> [<trusted id>=<public key hex>]...
 *   seal <agent> <data hex or -> <ts>   the envelope, hex
 *   open <envelope hex>                 "ok <data hex>", "own", or "refused <why>" */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "colony.h"
#include "envelope.h"
#include "../crypto/crypto.h"
#include "hex.h"

static uint64_t now_ms;
uint64_t colony_now(void) { return now_ms; }
void colony_printf(const char *fmt, ...) { (void)fmt; }

static colony_agent_t agents[1];
static colony_envelope_t env;
static char device[48];
const colony_config_t colony_config = {"host", device, "lab", 0, COLONY_CLOCK_VIRTUAL, 1, 1, agents, 0, &env};


int main(int argc, char **argv) {
  static uint8_t seed[32], pub[32], keys[8][32];
  static const char *ids[8];
  static char line[1 << 16];
  static uint8_t in[1 << 15], out[2048];
  if (argc < 5) { fprintf(stderr, "usage: envelope <device> <seed> <prefix|-> <seq base> [id=pub]...\n"); return 2; }
  strncpy(device, argv[1], sizeof device - 1);
  unhex(argv[2], seed, 32);
  colony_ed25519_public(pub, seed);
  env.seed = seed; env.pub = pub;
  env.derive_prefix = strcmp(argv[3], "-") ? argv[3] : NULL;
  env.seq_base = strtoull(argv[4], NULL, 10);
  for (int i = 5; i < argc && env.n_trusted < 8; i++) {
    char *eq = strchr(argv[i], '=');
    if (!eq) continue;
    *eq = 0;
    ids[env.n_trusted] = argv[i];
    unhex(eq + 1, keys[env.n_trusted], 32);
    env.n_trusted++;
  }
  env.trusted_ids = ids; env.trusted_keys = (const uint8_t (*)[32])keys;
  env.seal = colony_envelope_seal; env.open = colony_envelope_open;
  while (fgets(line, sizeof line, stdin)) {
    char *op = strtok(line, " \n"), *a = strtok(NULL, " \n"), *b = strtok(NULL, " \n"), *c = strtok(NULL, " \n");
    if (!op) continue;
    if (!strcmp(op, "seal")) {
      size_t n = unhex(b, in, sizeof in);
      now_ms = c ? strtoull(c, NULL, 10) : 0;
      int32_t r = env.seal(&env, a, in, (uint32_t)n, out, sizeof out);
      if (r < 0) printf("error %d", (int)r); else put_hex(out, (size_t)r);
      printf("\n");
    } else if (!strcmp(op, "open")) {
      size_t n = unhex(a, in, sizeof in);
      const uint8_t *data; uint32_t dn; char why[160];
      int32_t r = env.open(&env, in, (uint32_t)n, &data, &dn, why, sizeof why);
      if (r == 0) { printf("ok "); put_hex(data, dn); if (!dn) printf("-"); }
      else if (r == 1) printf("own");
      else printf("refused %s", why);
      printf("\n");
    } else printf("unknown %s\n", op);
    fflush(stdout);
  }
  printf("last_seq %llu refused %u\n", (unsigned long long)colony_envelope_last_seq(), colony_envelope_refused());
  return 0;
}
