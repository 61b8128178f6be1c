/* Host-side harness for firmware/runtime/ledger.c (with envelope.c): one request per stdin
 * line, answers on stdout; the link is a stub that keeps what the client publishes.
 *   argv: <device id> <seed hex> <derive prefix> <seq base>
 *   start <now>                        the link is up: "sent <count> <last envelope hex|-> <console, | for newline>"
 *   submit <amount> <now>              a transfer to sink-1 (ref "job"): "rc <handle|error> room <0|1> console <console>"
 *   poll <now>                         "sent <count> <last envelope hex|-> <console, | for newline>" (publishes since the last report)
 *   answer <envelope hex> <now>        "console <lines, | for newline>"
 *   status <handle>                    "status <n>"
 *   balance                            "balance <value|nan> ignored <n>" */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "colony.h"
#include "ledger.h"
#include "envelope.h"
#include "link.h"
#include "../crypto/crypto.h"
#include "hex.h"

static uint64_t now_ms;
static char console[8192];
uint64_t colony_now(void) { return now_ms; }
/* the firmware's %L is a uint64_t (print.c); the C library's is long double */
void colony_printf(const char *fmt, ...) {
  char f[256];
  size_t n = strlen(console), k = 0;
  for (const char *p = fmt; *p && k + 4 < sizeof f; p++) {
    if (p[0] == '%' && p[1] == 'L') { memcpy(f + k, "%llu", 4); k += 4; p++; }
    else f[k++] = *p;
  }
  f[k] = 0;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(console + n, sizeof console - n, f, ap);
  va_end(ap);
}

void colony_hex(const uint8_t *p, uint32_t n) {
  for (uint32_t i = 0; i < n; i++) colony_printf("%02x", p[i]);
}

static uint32_t sent;
static uint8_t last[2048];
static uint32_t last_n;
int colony_link_publish_raw(const char *abs_topic, uint32_t tn, const uint8_t *body, uint32_t bn, int qos, int retain) {
  if (tn != strlen("colony/lab/ledger/tx") || memcmp(abs_topic, "colony/lab/ledger/tx", tn) != 0 || qos != 1 || retain) { printf("bad publish %.*s\n", (int)tn, abs_topic); exit(3); }
  sent++;
  memcpy(last, body, bn < sizeof last ? bn : sizeof last);
  last_n = bn;
  return 0;
}
int colony_link_subscribe_raw(const char *abs_filter, uint32_t fn) { (void)abs_filter; (void)fn; return 0; }

/* one agent holding the wallet capability, so the client asks its nonce question at link start */
static const colony_agent_spec_t payer = {.name = "payer", .version = "1.0.0", .caps = COLONY_CAP_WALLET};
static colony_agent_t agents[1] = {{.spec = &payer}};
static colony_envelope_t env;
static char device[48];
const colony_config_t colony_config = {"host", device, "lab", 0, COLONY_CLOCK_VIRTUAL, 1, 1, agents, 1, &env};

static void report_sent(void) {
  printf("sent %u ", (unsigned)sent);
  if (sent) put_hex(last, last_n); else printf("-");
  for (char *p = console; *p; p++) if (*p == '\n') *p = '|';
  printf(" %s\n", console);
  sent = 0;
}

int main(int argc, char **argv) {
  static uint8_t seed[32], pub[32];
  static char line[1 << 16];
  static uint8_t in[1 << 15];
  if (argc < 5) { fprintf(stderr, "usage: ledger <device> <seed> <prefix> <seq base>\n"); return 2; }
  strncpy(device, argv[1], sizeof device - 1);
  unhex(argv[2], seed, 32);
  colony_ed25519_public(pub, seed);
  env.seed = seed; env.pub = pub;
  env.derive_prefix = argv[3];
  env.seq_base = strtoull(argv[4], NULL, 10);
  env.seal = colony_envelope_seal; env.open = colony_envelope_open;
  while (fgets(line, sizeof line, stdin)) {
    char *op = strtok(line, " \n"), *a = strtok(NULL, " \n"), *b = strtok(NULL, " \n");
    if (!op) continue;
    console[0] = 0;
    if (!strcmp(op, "start") && a) {
      now_ms = strtoull(a, NULL, 10);
      colony_ledger_start();
      report_sent();
    } else if (!strcmp(op, "submit") && a && b) {
      now_ms = strtoull(b, NULL, 10);
      int32_t r = colony_ledger_submit(-1, "transfer", (const uint8_t *)"sink-1", 6, strtoull(a, NULL, 10), (const uint8_t *)"job", 3, (const uint8_t *)"", 0);
      for (char *p = console; *p; p++) if (*p == '\n') *p = '|';
      printf("rc %d room %d console %s\n", (int)r, colony_ledger_room(), console);
    } else if (!strcmp(op, "poll") && a) {
      now_ms = strtoull(a, NULL, 10);
      colony_ledger_poll();
      report_sent();
    } else if (!strcmp(op, "answer") && a && b) {
      size_t n = unhex(a, in, sizeof in);
      now_ms = strtoull(b, NULL, 10);
      colony_ledger_answer(in, (uint32_t)n);
      for (char *p = console; *p; p++) if (*p == '\n') *p = '|';
      printf("console %s\n", console);
    } else if (!strcmp(op, "status") && a) {
      printf("status %d\n", (int)colony_ledger_status((uint32_t)strtoul(a, NULL, 10)));
    } else if (!strcmp(op, "balance")) {
      double v = colony_ledger_balance();
      if (isnan(v)) printf("balance nan ignored %u\n", (unsigned)colony_ledger_ignored());
      else printf("balance %.0f ignored %u\n", v, (unsigned)colony_ledger_ignored());
    } else printf("? %s\n", op);
    fflush(stdout);
  }
  return 0;
}
