/* The site policy's checks (policy.h), decision for decision as host/governance/gate.ts. */
#include <string.h>
#include "policy.h"

static uint32_t checks;
uint32_t colony_policy_checks(void) { return checks; }

static const char *const CLASS[] = {"public", "derived", "raw"};

static int matches(const char *filter, const uint8_t *topic, uint32_t tn) {
  return colony_topic_matches(filter, (uint32_t)strlen(filter), (const char *)topic, tn);
}

/* reasons: egress:<class> 0-2, rate:<filter> 3.., task:priority, actuator:<name> */
static int refuse(const colony_policy_t *p, colony_agent_t *a, uint32_t reason) {
  p->refused[reason]++;
  a->m.refused++;
  return COLONY_POLICY_REFUSED;
}

static int mentions(const uint8_t *b, uint32_t n, const char *key) {
  uint32_t kn = (uint32_t)strlen(key);
  for (uint32_t i = 0; i + kn < n; i++)
    if (b[i] == (0x60 | kn) && memcmp(b + i + 1, key, kn) == 0) return 1;
  return 0;
}

/* The claim a contract-net call or award makes: 1 when it is what the rule gives. An absent
 * priority is 0 and an absent preempt false; claiming less is as false as claiming more. */
static int claim_holds(const colony_policy_task_t *rule, const uint8_t *b, uint32_t n, const char **what) {
  /* most calls claim nothing (priority 0): without either key in the bytes there is nothing to read */
  if (rule->priority == 0 && !rule->preempt && !mentions(b, n, "priority") && !mentions(b, n, "preempt")) return 1;
  colony_cbor_rd_t r = {b, n, 0};
  uint8_t major;
  uint64_t count;
  if (colony_cbor_item_len(b, n) != (int32_t)n) { *what = "is not CBOR"; return 0; }
  if (!colony_cbor_read_head(&r, &major, &count) || (major != 5 && major != 4)) { *what = "is not a map"; return 0; }
  int64_t priority = 0;
  int preempt = 0;
  if (major == 4) count = 0; /* a list names no field: it claims priority 0, no preemption */
  for (uint64_t i = 0; i < count; i++) {
    uint32_t key_at = r.at;
    uint64_t kn;
    int32_t klen = colony_cbor_item_len(b + r.at, n - r.at);
    if (klen < 0 || !colony_cbor_read_head(&r, &major, &kn)) { *what = "is not CBOR"; return 0; }
    const uint8_t *k = b + r.at;
    int text = major == 3 && kn <= n - r.at;
    r.at = key_at + (uint32_t)klen;
    int32_t vn = colony_cbor_item_len(b + r.at, n - r.at);
    if (vn < 0) { *what = "is not CBOR"; return 0; }
    if (text && kn == 8 && memcmp(k, "priority", 8) == 0) {
      colony_cbor_rd_t v = r;
      uint64_t x;
      if (!colony_cbor_read_head(&v, &major, &x) || major > 1 || x > 0x7fffffffu) { *what = "claims a priority that is not a whole number"; return 0; }
      priority = major == 0 ? (int64_t)x : -1 - (int64_t)x;
    } else if (text && kn == 7 && memcmp(k, "preempt", 7) == 0) {
      if (b[r.at] != 0xf4 && b[r.at] != 0xf5) { *what = "claims a preempt that is not true or false"; return 0; }
      preempt = b[r.at] == 0xf5;
    }
    r.at += (uint32_t)vn;
  }
  if (priority != rule->priority) { *what = "claims another priority than the site gives"; return 0; }
  if (preempt != rule->preempt) { *what = preempt ? "claims preempt where the site gives none" : "claims no preempt where the site gives it"; return 0; }
  return 1;
}

int colony_policy_publish(const colony_policy_t *p, colony_agent_t *a, const uint8_t *topic, uint32_t tn, const uint8_t *body, uint32_t bn, uint64_t now) {
  checks++;
  int local = 0;
  for (int i = 0; i < p->n_local_only && !local; i++) local = matches(p->local_only[i], topic, tn);
  int cls = p->agent_class[a->index];
  for (int i = 0; i < p->n_topics; i++)
    if (matches(p->topics[i].filter, topic, tn)) { cls = p->topics[i].cls; break; }
  /* raw data may go to a topic that never leaves the device */
  if (!(p->egress & (1u << cls)) && !local) {
    colony_printf("refused %s policy egress:%s: site policy: %s data may not leave the device (topic \"%.*s\"; %s)\n", a->spec->name, CLASS[cls], CLASS[cls], (int)tn, (const char *)topic, p->file);
    return refuse(p, a, (uint32_t)cls);
  }
  for (int r = 0; r < p->n_rates; r++) {
    const colony_policy_rate_t *rule = &p->rates[r];
    if ((strcmp(rule->agent, "*") != 0 && strcmp(rule->agent, a->spec->name) != 0) || !matches(rule->filter, topic, tn)) continue;
    colony_policy_bucket_t *bk = &p->buckets[r * colony_config.n_agents + a->index];
    if (!bk->used) { bk->used = 1; bk->tokens = rule->burst; bk->at = now; }
    double t = bk->tokens + ((double)(now - bk->at) / 1000) * rule->per_second;
    bk->tokens = t < rule->burst ? t : rule->burst;
    bk->at = now;
    if (bk->tokens < 1) {
      colony_printf("refused %s policy rate:%s: site policy: %s\n", a->spec->name, rule->filter, rule->text);
      return refuse(p, a, 3u + (uint32_t)r);
    }
    bk->tokens -= 1;
  }
  int cnet = (tn == 8 && memcmp(topic, "cnet/cfp", 8) == 0) || (tn == 10 && memcmp(topic, "cnet/award", 10) == 0);
  const char *what = 0;
  if (cnet && !claim_holds(&p->tasks[a->index], body, bn, &what)) {
    colony_printf("refused %s policy task:priority: site policy: %s's %.*s %s (priority %d%s; %s)\n", a->spec->name, a->spec->name, (int)tn, (const char *)topic, what,
                  (int)p->tasks[a->index].priority, p->tasks[a->index].preempt ? ", may preempt" : "", p->file);
    return refuse(p, a, 3u + p->n_rates);
  }
  return local ? COLONY_POLICY_LOCAL : COLONY_POLICY_PASS;
}

int colony_policy_actuate(const colony_policy_t *p, colony_agent_t *a, const char *name, uint64_t now) {
  for (int i = 0; i < p->n_actuators; i++) {
    const colony_policy_actuator_t *rule = &p->actuators[i];
    if (strcmp(rule->actuator, name) != 0) continue;
    colony_policy_holder_t *h = &p->holders[i];
    if (h->agent >= 0 && h->agent != a->index && now < h->until) {
      int32_t mine = rule->priority[a->index], theirs = rule->priority[h->agent];
      if (rule->first || mine <= theirs) {
        const char *holder = colony_config.agents[h->agent].spec->name;
        if (rule->first) colony_printf("refused %s policy actuator:%s: site policy: %s is held by %s (first come) for %u ms more\n", a->spec->name, name, name, holder, (unsigned)(h->until - now));
        else colony_printf("refused %s policy actuator:%s: site policy: %s is held by %s (priority %d >= %d) for %u ms more\n", a->spec->name, name, name, holder, (int)theirs, (int)mine,
                           (unsigned)(h->until - now));
        return refuse(p, a, 4u + p->n_rates + (uint32_t)i);
      }
    }
    h->agent = (int16_t)a->index;
    h->until = now + rule->hold_ms;
    return COLONY_POLICY_PASS;
  }
  return COLONY_POLICY_PASS;
}

void colony_policy_print(const colony_policy_t *p) {
  colony_printf("policy checked=%u", (unsigned)checks);
  for (int c = 0; c < 3; c++) if (p->refused[c]) colony_printf(" egress:%s=%u", CLASS[c], (unsigned)p->refused[c]);
  for (int r = 0; r < p->n_rates; r++) if (p->refused[3 + r]) colony_printf(" rate:%s=%u", p->rates[r].filter, (unsigned)p->refused[3 + r]);
  if (p->refused[3 + p->n_rates]) colony_printf(" task:priority=%u", (unsigned)p->refused[3 + p->n_rates]);
  for (int i = 0; i < p->n_actuators; i++) if (p->refused[4 + p->n_rates + i]) colony_printf(" actuator:%s=%u", p->actuators[i].actuator, (unsigned)p->refused[4 + p->n_rates + i]);
  colony_printf("\n");
}
