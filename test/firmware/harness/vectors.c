/* Host-side harness for the shared test vectors: the firmware's own CBOR,
 * topic, SLIP and MQTT-SN code compiled for the host, driven from argv, its
 * link bytes printed as hex lines (one SLIP frame per line) for the TS test to
 * compare with host/net's codec. Its "port" is a test double: a clock that
 * jumps a second per read and a link fed from argv. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "colony.h"
#include "link.h"
#include "port.h"
#include "hex.h"

static uint8_t in[4096];
static uint32_t in_len, in_pos;
static uint64_t fake_ms;
static uint8_t frame[2048];

void port_init(void) {}
void port_console_write(const char *s, uint32_t n) { fwrite(s, 1, n, stderr); }
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
    for (uint32_t j = 0; j < len; j++) printf("%02x", frame[j]);
    printf("\n");
  }
}

/* what colony_bus_enqueue would hand local agents: printed instead */
void colony_deliver_message(colony_agent_t *a, const char *t, uint32_t tn, const uint8_t *b, uint32_t bn) { (void)a; (void)t; (void)tn; (void)b; (void)bn; }
void colony_printf(const char *fmt, ...) { (void)fmt; }

static const char *const publish[] = {"presence/heartbeat"};
static const colony_agent_spec_t spec = {"hb", "1.0.0", 0, 0, 0, 0, 0, 0, 0, publish, 1, 0, 0, 1000, 1, 0, 0, 0, 0, 0, 0};
static colony_agent_t agents[1] = {{.spec = &spec}};
const colony_config_t colony_config = {"host", "dev-1", "lab", 0, COLONY_CLOCK_VIRTUAL, 1, 1, agents, 1};


int main(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "cbor") == 0) {
    for (int i = 2; i < argc; i++) {
      uint8_t buf[1024];
      uint32_t n = unhex(argv[i], buf, sizeof buf);
      printf("%d\n", (int)colony_cbor_item_len(buf, n));
    }
    return 0;
  }
  if (argc >= 3 && strcmp(argv[1], "topic") == 0) {
    for (int i = 2; i + 1 < argc; i += 2)
      printf("%d\n", colony_topic_matches(argv[i], (uint32_t)strlen(argv[i]), argv[i + 1], (uint32_t)strlen(argv[i + 1])));
    return 0;
  }
  if (argc >= 3 && strcmp(argv[1], "link") == 0) {
    /* argv[2]: what the gateway answers (a SLIP stream, hex); then connect, register, publish, receive */
    in_len = unhex(argv[2], in, sizeof in);
    colony_link_start();
    const uint8_t body[] = {0xa1, 0x61, 0x6e, 0x01};
    colony_link_publish(&agents[0], "presence/heartbeat", 18, body, sizeof body, 1);
    colony_link_poll();
    printf("queued %d\n", colony_bus_pending());
    return 0;
  }
  fprintf(stderr, "usage: vectors cbor <hex>... | topic <filter> <topic>... | link <hex>\n");
  return 2;
}
