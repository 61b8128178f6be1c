/* Host-side harness for the sealed link: firmware/runtime's MQTT-SN client
 * (mqttsn.c) with envelopes (envelope.c) and the OTA hooks, compiled for the
 * host. argv[1]: the gateway's side as a SLIP stream (hex); argv[2]: the
 * device's key seed (hex); argv[3]: the simulation's key prefix. The device
 * connects, subscribes as an OTA engine would, publishes one agent message
 * (sealed) and one raw retained OTA message, then reads what the gateway sent.
 * Output: each frame the device sends as a hex line, then "ota <topic> <hex>"
 * for each OTA delivery, the console lines, and "deliver <agent> <topic> <hex>"
 * for what reached a local agent. */
#include <stdio.h>
#include <stdlib.h>
#include <stdarg.h>
#include <string.h>
#include "colony.h"
#include "envelope.h"
#include "link.h"
#include "port.h"
#include "../crypto/crypto.h"
#include "hex.h"

static uint8_t in[8192];
static uint32_t in_len, in_pos;
static uint64_t fake_ms;
static uint8_t frame[2048];

void port_init(void) {}
void port_console_write(const char *s, uint32_t n) { fwrite(s, 1, n, stdout); }
uint64_t port_millis(void) { return fake_ms += 1000; }
uint64_t port_ticks(void) { return fake_ms; }
uint32_t port_ticks_hz(void) { return 1000; }
void port_exit(int code) { exit(code); }
int port_link_available(void) { return 1; }
int port_link_read(void) { return in_pos < in_len ? in[in_pos++] : -1; }
void port_idle(void) {}
void port_link_write(const uint8_t *p, uint32_t n) {
  for (uint32_t i = 0; i < n; i++) {
    uint32_t len = colony_slip_feed(p[i], frame, sizeof frame);
    if (!len) continue;
    printf("frame ");
    for (uint32_t j = 0; j < len; j++) printf("%02x", frame[j]);
    printf("\n");
  }
}
uint64_t colony_now(void) { return 4242; }
void colony_printf(const char *fmt, ...) {
  /* the runtime's console lines, through the host's printf (same conversions but %L) */
  char f[256];
  uint32_t o = 0;
  for (const char *c = fmt; *c && o + 4 < sizeof f; c++) {
    if (c[0] == '%' && c[1] == 'L') { memcpy(f + o, "%llu", 4); o += 4; c++; }
    else f[o++] = *c;
  }
  f[o] = 0;
  va_list ap;
  va_start(ap, fmt);
  vprintf(f, ap);
  va_end(ap);
}
void colony_deliver_message(colony_agent_t *a, const char *t, uint32_t tn, const uint8_t *b, uint32_t bn) {
  printf("deliver %s %.*s ", a->spec->name, (int)tn, t);
  for (uint32_t i = 0; i < bn; i++) printf("%02x", b[i]);
  printf("\n");
}

/* the OTA engine's side of the hook (mqttsn.c has a weak empty one) */
void colony_ota_message(const char *topic, uint32_t tn, const uint8_t *body, uint32_t bn) {
  printf("ota %.*s ", (int)tn, topic);
  for (uint32_t i = 0; i < bn; i++) printf("%02x", body[i]);
  printf("\n");
}

static uint8_t seed[32], pub[32];
static colony_envelope_t env = {seed, pub, NULL, NULL, 0, NULL, 100, colony_envelope_seal, colony_envelope_open};
static const char *const publish[] = {"presence/heartbeat"};
static const colony_agent_spec_t spec = {"hb", "1.0.0", 0, 0, 0, 0, 0, 0, 0, publish, 1, 0, 0, 1000, 1, 0, 0, 0, 0, 0, 0};
static colony_agent_t agents[1] = {{.spec = &spec}};
const colony_config_t colony_config = {"host", "dev-1", "lab", 0, COLONY_CLOCK_VIRTUAL, 1, 1, agents, 1, &env};


int main(int argc, char **argv) {
  if (argc < 4) { fprintf(stderr, "usage: sealed_link <gateway hex> <seed hex> <prefix>\n"); return 2; }
  in_len = unhex(argv[1], in, sizeof in);
  unhex(argv[2], seed, 32);
  colony_ed25519_public(pub, seed);
  env.derive_prefix = argv[3];
  colony_link_start();
  static const char ota_filter[] = "colony/lab/ota/#", status[] = "colony/lab/ota/status/dev-1";
  printf("subscribe_raw %d\n", colony_link_subscribe_raw(ota_filter, sizeof ota_filter - 1));
  const uint8_t body[] = {0xa1, 0x61, 0x6e, 0x01};
  colony_link_publish(&agents[0], "presence/heartbeat", 18, body, sizeof body, 1);
  const uint8_t report[] = {0xa1, 0x62, 0x6f, 0x6b, 0xf5};
  printf("publish_raw %d\n", colony_link_publish_raw(status, sizeof status - 1, report, sizeof report, 1, 1));
  memcpy(agents[0].subs[0], "event/anomaly", 13); /* what a local agent subscribed */
  agents[0].sub_len[0] = 13;
  agents[0].n_subs = 1;
  colony_link_poll();
  while (colony_bus_deliver_one()) {}
  return 0;
}
