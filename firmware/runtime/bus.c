/* The device's bus: MQTT-style topic filters, and a FIFO of messages waiting
 * for local subscribers (published by an agent here or received over the link). */
#include <string.h>
#include "colony.h"

#define QUEUE_BYTES 8192u

static uint8_t queue[QUEUE_BYTES];
static uint32_t queue_used;

/* MQTT matching as host/kernel/manifest.ts topicMatches: + one level, # the rest */
int colony_topic_matches(const char *f, uint32_t fn, const char *t, uint32_t tn) {
  uint32_t fi = 0, ti = 0;
  for (;;) {
    uint32_t fe = fi, te = ti;
    while (fe < fn && f[fe] != '/') fe++;
    if (fe - fi == 1 && f[fi] == '#') return 1;
    if (ti > tn) return 0; /* the topic has fewer levels */
    while (te < tn && t[te] != '/') te++;
    if (!(fe - fi == 1 && f[fi] == '+') && (fe - fi != te - ti || memcmp(f + fi, t + ti, fe - fi) != 0)) return 0;
    if (fe >= fn) return te >= tn;
    fi = fe + 1;
    ti = te + 1;
  }
}

int colony_bus_enqueue(int from, const char *topic, uint32_t tn, const uint8_t *body, uint32_t bn) {
  uint32_t need = 5 + tn + bn;
  if (tn > 0xffff || bn > 0xffff || queue_used + need > QUEUE_BYTES) return COLONY_ENOSPACE;
  uint8_t *r = queue + queue_used;
  r[0] = (uint8_t)(int8_t)from;
  r[1] = (uint8_t)tn; r[2] = (uint8_t)(tn >> 8);
  r[3] = (uint8_t)bn; r[4] = (uint8_t)(bn >> 8);
  memcpy(r + 5, topic, tn);
  memcpy(r + 5 + tn, body, bn);
  queue_used += need;
  return 0;
}

int colony_bus_pending(void) { return queue_used > 0; }

/* Delivers from the head in place, then drops it: agents only append while
 * they handle it, so the head does not move under them. */
int colony_bus_deliver_one(void) {
  if (!queue_used) return 0;
  uint32_t tn = queue[1] | queue[2] << 8, bn = queue[3] | queue[4] << 8, len = 5 + tn + bn;
  const char *topic = (const char *)queue + 5;
  for (int i = 0; i < colony_config.n_agents; i++) {
    colony_agent_t *a = &colony_config.agents[i];
    for (int s = 0; s < a->n_subs; s++) {
      if (colony_topic_matches(a->subs[s], a->sub_len[s], topic, tn)) {
        colony_deliver_message(a, topic, tn, queue + 5 + tn, bn);
        break;
      }
    }
  }
  memmove(queue, queue + len, queue_used - len);
  queue_used -= len;
  return 1;
}
