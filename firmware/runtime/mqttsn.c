/* An MQTT-SN v1.2 client for the link: CONNECT, REGISTER of every topic the
 * manifests may publish, SUBSCRIBE as agents ask, PUBLISH (QoS 0/1) both ways,
 * PINGREQ to keep the session. Waits for acknowledgements by polling the link
 * (bounded), so it needs no thread. Clause numbers cite the v1.2 spec. */
#include <string.h>
#include "coord.h"
#include "ledger.h"
#include "envelope.h"
#include "link.h"
#include "port.h"

/* coord.c when the build has it (a build of the codec alone has not): weak references */
#pragma weak colony_coord_topic
#pragma weak colony_coord_device_topic
#pragma weak colony_coord_seal
#pragma weak colony_coord_open
/* ledger.c likewise */
#pragma weak colony_ledger_start
#pragma weak colony_ledger_answer

#define T_CONNECT 0x04
#define T_CONNACK 0x05
#define T_REGISTER 0x0a
#define T_REGACK 0x0b
#define T_PUBLISH 0x0c
#define T_PUBACK 0x0d
#define T_SUBSCRIBE 0x12
#define T_SUBACK 0x13
#define T_PINGREQ 0x16
#define T_PINGRESP 0x17
#define F_CLEAN 0x04
#define KEEPALIVE_S 60u
#define WAIT_MS 3000u
#define MAX_TOPICS 32
#define MAX_PACKET 1024

typedef struct { uint16_t id; uint8_t len; char name[95]; } topic_t;

static topic_t topics[MAX_TOPICS];
static uint8_t n_topics;
static uint16_t next_msg_id;
static uint8_t connected;
static uint64_t last_sent;
static uint8_t rx[MAX_PACKET];
static uint8_t want_type; static uint16_t want_msg_id; static uint8_t got_want;
static uint16_t got_topic_id; static uint8_t got_rc;

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static void wr16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static uint16_t msg_id(void) { if (++next_msg_id == 0) next_msg_id = 1; return next_msg_id; }

/* 5.2.1: a one-byte length up to 255, else 0x01 and two bytes */
static void send_packet(uint8_t type, const uint8_t *body, uint32_t n) {
  static uint8_t out[MAX_PACKET + 4];
  uint32_t h = n + 2 <= 255 ? 2 : 4;
  if (n + h > sizeof out) return;
  if (h == 2) out[0] = (uint8_t)(n + 2);
  else { out[0] = 1; wr16(out + 1, (uint16_t)(n + 4)); }
  out[h - 1] = type;
  memcpy(out + h, body, n);
  colony_slip_send(out, n + h);
  last_sent = port_millis();
}

static uint32_t absolute(char *out, uint32_t cap, const char *rel, uint32_t rn) {
  const char *site = colony_config.site;
  uint32_t sn = (uint32_t)strlen(site), n = 7 + sn + 1 + rn;
  if (n > cap) return 0;
  memcpy(out, "colony/", 7);
  memcpy(out + 7, site, sn);
  out[7 + sn] = '/';
  memcpy(out + 8 + sn, rel, rn);
  return n;
}

static topic_t *topic_by_name(const char *name, uint32_t n) {
  for (int i = 0; i < n_topics; i++)
    if (topics[i].len == n && memcmp(topics[i].name, name, n) == 0) return &topics[i];
  return NULL;
}
static topic_t *topic_by_id(uint16_t id) {
  for (int i = 0; i < n_topics; i++) if (topics[i].id == id) return &topics[i];
  return NULL;
}
static void remember(uint16_t id, const char *name, uint32_t n) {
  topic_t *t = topic_by_name(name, n);
  if (!t && n_topics < MAX_TOPICS && n <= sizeof topics[0].name) { t = &topics[n_topics++]; memcpy(t->name, name, n); t->len = (uint8_t)n; }
  if (t) t->id = id;
}

/* OTA's bundles are signed on their own: handed over as they are, never to agents */
__attribute__((weak)) void colony_ota_message(const char *topic, uint32_t tn, const uint8_t *body, uint32_t bn) {
  (void)topic; (void)tn; (void)body; (void)bn;
}

/* an envelope opened (envelope.c) before local agents see its body; a refused one is dropped with a line */
static void received(const char *topic, uint32_t tn, const uint8_t *p, uint32_t n) {
  const colony_envelope_t *e = colony_config.envelope;
  const uint8_t *data;
  uint32_t dn;
  char why[160];
  if (!e) { colony_bus_enqueue(-1, topic, tn, p, n); return; }
  /* the ledger's answers to this device are the ledger client's, never the agents' */
  if (colony_ledger_answer && tn > 11 && memcmp(topic, "ledger/ack/", 11) == 0) { colony_ledger_answer(p, n); return; }
  int32_t r = colony_coord_open && colony_coord_topic(topic, tn) ? colony_coord_open(e, topic, tn, p, n, &data, &dn, why, sizeof why)
                                                                   : e->open(e, p, n, &data, &dn, why, sizeof why);
  if (r == 0) colony_bus_enqueue(-1, topic, tn, data, dn);
  else if (r < 0) colony_printf("envelope: dropped on %.*s: %s\n", (int)tn, topic, why);
}

static void on_publish(const uint8_t *p, uint32_t n) {
  if (n < 5) return;
  uint8_t flags = p[0];
  uint16_t id = rd16(p + 1), mid = rd16(p + 3);
  topic_t *t = topic_by_id(id);
  uint8_t ack[5];
  if (((flags >> 5) & 3) == 1) { /* 6.7: QoS 1 is acknowledged */
    wr16(ack, id); wr16(ack + 2, mid); ack[4] = t ? 0 : 2;
    send_packet(T_PUBACK, ack, 5);
  }
  if (!t) return;
  char prefix[64];
  uint32_t pn = absolute(prefix, sizeof prefix, "ota/", 4);
  if (pn && t->len >= pn && memcmp(t->name, prefix, pn) == 0) {
    colony_ota_message(t->name, t->len, p + 5, n - 5);
    return;
  }
  pn = absolute(prefix, sizeof prefix, "", 0);
  if (t->len <= pn || memcmp(t->name, prefix, pn) != 0) return;
  received(t->name + pn, t->len - pn, p + 5, n - 5);
}

static void on_packet(const uint8_t *p, uint32_t n) {
  uint32_t h = p[0] == 1 ? 3 : 1;
  if (n < h + 1) return;
  uint32_t len = h == 3 ? rd16(p + 1) : p[0];
  if (len != n) return; /* 5.2.1: the length covers the whole packet */
  uint8_t type = p[h];
  const uint8_t *b = p + h + 1;
  uint32_t bn = n - h - 1;
  switch (type) {
    case T_CONNACK: if (want_type == T_CONNACK && bn >= 1) { got_rc = b[0]; got_want = 1; } break;
    case T_REGACK:
    case T_SUBACK: {
      const uint8_t *q = type == T_SUBACK ? b + 1 : b;
      if (bn >= (uint32_t)(type == T_SUBACK ? 6 : 5) && want_type == type && rd16(q + 2) == want_msg_id) {
        got_topic_id = rd16(q); got_rc = q[4]; got_want = 1;
      }
      break;
    }
    case T_REGISTER: /* 6.5: the gateway names a topic id before publishing on it */
      if (bn >= 4) {
        remember(rd16(b), (const char *)b + 4, bn - 4);
        uint8_t ack[5];
        memcpy(ack, b, 4); ack[4] = 0;
        send_packet(T_REGACK, ack, 5);
      }
      break;
    case T_PUBLISH: on_publish(b, bn); break;
    default: break; /* PUBACK, PINGRESP: nothing to do */
  }
}

/* stops after the awaited reply, so what follows it is handled once its topic is known */
static void receive(void) {
  int c;
  while (!(want_type && got_want) && (c = port_link_read()) >= 0) {
    uint32_t n = colony_slip_feed((uint8_t)c, rx, sizeof rx);
    if (n) on_packet(rx, n);
  }
}

/* waits for one reply (CONNACK, REGACK, SUBACK) while still handling the rest */
static int await(uint8_t type, uint16_t mid) {
  want_type = type; want_msg_id = mid; got_want = 0;
  uint64_t until = port_millis() + WAIT_MS;
  while (!got_want && port_millis() < until) { receive(); if (!got_want) port_idle(); }
  want_type = 0;
  return got_want && got_rc == 0;
}

/* the topic's id, REGISTERed first when the gateway has not named it yet */
static topic_t *register_name(const char *name, uint32_t n) {
  uint8_t body[4 + 96];
  topic_t *t = topic_by_name(name, n);
  if (t || !n || n > sizeof topics[0].name) return t;
  uint16_t mid = msg_id();
  wr16(body, 0); wr16(body + 2, mid);
  memcpy(body + 4, name, n);
  send_packet(T_REGISTER, body, 4 + n);
  if (await(T_REGACK, mid)) { remember(got_topic_id, name, n); return topic_by_name(name, n); }
  colony_printf("link: REGISTER %.*s refused\n", (int)n, name);
  return NULL;
}

static void register_topic(const char *rel, uint32_t rn) {
  char name[96], dev[96];
  /* a sealed coord/ topic leaves with $device replaced (coord.c) */
  if (colony_config.envelope && colony_coord_device_topic && colony_coord_topic(rel, rn)) {
    rn = colony_coord_device_topic(rel, rn, dev, sizeof dev);
    rel = dev;
    if (!rn) return; /* too long with the id: never published (coord.c refuses it) */
  }
  uint32_t n = absolute(name, sizeof name, rel, rn);
  if (n) register_name(name, n);
}

void colony_link_start(void) {
  uint8_t body[4 + 64];
  uint32_t idn = (uint32_t)strlen(colony_config.device_id);
  if (idn > 23) idn = 23; /* 5.3.4 ClientId: 1-23 characters */
  body[0] = F_CLEAN; body[1] = 0x01; wr16(body + 2, KEEPALIVE_S);
  memcpy(body + 4, colony_config.device_id, idn);
  for (int attempt = 0; attempt < 5 && !connected; attempt++) {
    send_packet(T_CONNECT, body, 4 + idn);
    connected = (uint8_t)await(T_CONNACK, 0);
  }
  colony_printf("link: %s %s\n", connected ? "connected as" : "no gateway answered for", colony_config.device_id);
  if (!connected) return;
  for (int i = 0; i < colony_config.n_agents; i++) {
    const colony_agent_spec_t *s = colony_config.agents[i].spec;
    for (int t = 0; t < s->n_publish; t++) register_topic(s->publish[t], (uint32_t)strlen(s->publish[t]));
  }
  if (colony_ledger_start) colony_ledger_start();
}

void colony_link_poll(void) {
  receive();
  if (connected && port_millis() - last_sent > KEEPALIVE_S * 500u) send_packet(T_PINGREQ, NULL, 0);
}

static int publish(topic_t *t, const uint8_t *body, uint32_t bn, int qos, int retain) {
  static uint8_t out[MAX_PACKET];
  if (bn + 5 > sizeof out) return COLONY_ENOSPACE;
  out[0] = (uint8_t)(qos << 5 | (retain ? 0x10 : 0)); /* 5.3.4 flags: QoS bits 6-5, RETAIN bit 4 */
  wr16(out + 1, t->id);
  wr16(out + 3, qos ? msg_id() : 0);
  memcpy(out + 5, body, bn);
  send_packet(T_PUBLISH, out, 5 + bn);
  return 0;
}

void colony_link_publish(colony_agent_t *a, const char *topic, uint32_t tn, const uint8_t *body, uint32_t bn, int qos) {
  char name[96];
  static uint8_t sealed[MAX_PACKET];
  if (!connected) return;
  const colony_envelope_t *e = colony_config.envelope;
  if (e && colony_coord_seal && colony_coord_topic(topic, tn)) { /* coordination kinds, as CoordBusPort seals them */
    char rel[96];
    uint32_t rn;
    int retain = 0;
    int32_t sn = colony_coord_seal(e, a ? a->spec->name : "", topic, tn, body, bn, rel, sizeof rel, &rn, &retain, sealed, MAX_PACKET - 5);
    uint32_t n = sn < 0 ? 0 : absolute(name, sizeof name, rel, rn);
    topic_t *t = n ? topic_by_name(name, n) : NULL;
    if (t) publish(t, sealed, (uint32_t)sn, qos, retain);
    return;
  }
  uint32_t n = absolute(name, sizeof name, topic, tn);
  topic_t *t = n ? topic_by_name(name, n) : NULL;
  if (!t) return;
  if (!e) { publish(t, body, bn, qos, 0); return; }
  int32_t sn = e->seal(e, a ? a->spec->name : "", body, bn, sealed, MAX_PACKET - 5);
  if (sn < 0) colony_printf("envelope: %u bytes on %.*s too large to seal\n", (unsigned)bn, (int)tn, topic);
  else publish(t, sealed, (uint32_t)sn, qos, 0);
}

int colony_link_publish_raw(const char *abs_topic, uint32_t tn, const uint8_t *body, uint32_t bn, int qos, int retain) {
  if (!connected) return COLONY_EIO;
  if (qos < 0 || qos > 1) return COLONY_EINVALID;
  topic_t *t = register_name(abs_topic, tn);
  return t ? publish(t, body, bn, qos, retain) : COLONY_EIO;
}

static int subscribe(const char *name, uint32_t n) {
  uint8_t body[3 + 96];
  if (!connected) return COLONY_EIO;
  if (!n || n > 96) return COLONY_EINVALID;
  uint16_t mid = msg_id();
  body[0] = 1 << 5; /* QoS 1, a topic name */
  wr16(body + 1, mid);
  memcpy(body + 3, name, n);
  send_packet(T_SUBSCRIBE, body, 3 + n);
  if (await(T_SUBACK, mid)) {
    if (got_topic_id) remember(got_topic_id, name, n); /* a name without wildcards gets its id here */
    return 0;
  }
  colony_printf("link: SUBSCRIBE %.*s refused\n", (int)n, name);
  return COLONY_EIO;
}

int colony_link_subscribe_raw(const char *abs_filter, uint32_t fn) { return subscribe(abs_filter, fn); }

void colony_link_subscribe(colony_agent_t *a, const char *filter, uint32_t fn) {
  char name[96];
  (void)a;
  uint32_t n = absolute(name, sizeof name, filter, fn);
  if (n) subscribe(name, n);
}
