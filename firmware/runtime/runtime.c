/* Boot, the scheduler loop and the metrics printed at exit. Time is virtual
 * (jump to the next deadline: a bounded run is deterministic) or real (the
 * port's millisecond clock, for a device on the fleet's link). Entries due at
 * the same time run sensors first, then timers, then restarts, each in the
 * order they were armed, as host/kernel/scheduler.ts orders them. */
#include <string.h>
#include "colony.h"
#include "policy.h"
#include "ledger.h"
#include "port.h"
#include "link.h"
#include "../engines/engine.h"

static uint64_t virtual_now, boot_ms, seq_counter;
uint32_t colony_events_total;
#define events_total colony_events_total

uint64_t colony_now(void) {
  return colony_config.clock == COLONY_CLOCK_REAL ? port_millis() - boot_ms : virtual_now;
}

uint64_t colony_sched_seq(void) { return ++seq_counter; }

typedef enum { NEXT_NONE, NEXT_WATCH, NEXT_TIMER, NEXT_RESTART } next_kind_t;
typedef struct { next_kind_t kind; colony_agent_t *agent; int slot; uint64_t due, seq; } next_t;

static void consider(next_t *best, next_kind_t kind, colony_agent_t *a, int slot, uint64_t due, uint64_t seq) {
  if (best->kind != NEXT_NONE) {
    if (due > best->due) return;
    if (due == best->due && (kind > best->kind || (kind == best->kind && seq > best->seq))) return;
  }
  best->kind = kind; best->agent = a; best->slot = slot; best->due = due; best->seq = seq;
}

static next_t next_due(void) {
  next_t best = {NEXT_NONE, NULL, 0, 0, 0};
  for (int i = 0; i < colony_config.n_agents; i++) {
    colony_agent_t *a = &colony_config.agents[i];
    if (a->restart_pending) consider(&best, NEXT_RESTART, a, 0, a->restart_due, a->restart_seq);
    if (a->status != AGENT_RUNNING) continue;
    for (int t = 0; t < COLONY_MAX_TIMERS; t++)
      if (a->timers[t].armed) consider(&best, NEXT_TIMER, a, t, a->timers[t].due, a->timers[t].seq);
    for (int w = 0; w < COLONY_MAX_SENSORS; w++)
      if (a->watches[w].armed) consider(&best, NEXT_WATCH, a, w, a->watches[w].due, a->watches[w].seq);
  }
  return best;
}

static void put_le32(uint8_t *p, int32_t v) {
  p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}

static void fire(next_t *n) {
  colony_agent_t *a = n->agent;
  uint8_t payload[4];
  if (n->kind == NEXT_RESTART) { colony_agent_restart(a); return; }
  if (n->kind == NEXT_TIMER) {
    colony_timer_t *t = &a->timers[n->slot];
    put_le32(payload, t->id);
    if (t->repeat) { t->due += t->period; t->seq = colony_sched_seq(); }
    else t->armed = 0;
    colony_dispatch(a, COLONY_EV_TIMER, payload, 4);
  } else {
    colony_watch_t *w = &a->watches[n->slot];
    put_le32(payload, w->sensor);
    w->due += w->period;
    w->seq = colony_sched_seq();
    colony_dispatch(a, COLONY_EV_SENSOR, payload, 4);
  }
}

static const char *status_name(colony_status_t s) {
  static const char *const names[] = {"starting", "running", "restarting", "quarantined", "stopped"};
  return names[s];
}

static void print_metrics(void) {
  for (int i = 0; i < colony_config.n_agents; i++) {
    colony_agent_t *a = &colony_config.agents[i];
    colony_metrics_t *m = &a->m;
    colony_printf("metrics %s status=%s events=%u fuel_used=%L fuel_max=%u init_fuel=%L faults=%u fuel_exhausted=%u restarts=%u published=%u received=%u refused=%u dropped=%u memory=%u ticks=%L",
                  a->spec->name, status_name(a->status), m->events, m->fuel_used, m->fuel_max_per_event, m->init_fuel, m->faults,
                  m->fuel_exhausted, m->restarts, m->published, m->received, m->refused, m->dropped, m->memory_bytes, m->ticks);
    if (a->last_fault != FAULT_NONE) colony_printf(" last_fault=%s", colony_fault_name(a->last_fault));
    colony_printf("\n");
  }
  if (colony_policy) colony_policy_print(colony_policy);
}

/* firmware/ota/boot.c's periodic work (re-asks after silence, installs that waited for a busy
 * agent) between events; a firmware without the agents partition has none */
__attribute__((weak)) void colony_ota_poll(void) {}

int colony_main(void) {
  port_init();
  boot_ms = port_millis();
  colony_printf("colony: boot board=%s device=%s agents=%u events=%u clock=%s ticks_hz=%u\n", colony_config.board, colony_config.device_id,
                (unsigned)colony_config.n_agents, (unsigned)colony_config.max_events,
                colony_config.clock == COLONY_CLOCK_REAL ? "real" : "virtual", (unsigned)port_ticks_hz());
  for (int i = 0; i < colony_config.n_agents; i++) {
    colony_agent_t *a = &colony_config.agents[i];
    const char *err = NULL;
    a->index = i;
    if (a->spec->engine->setup && a->spec->engine->setup(a, &err) != 0) {
      colony_printf("fault %s init: %s\n", a->spec->name, err ? err : "engine setup failed");
      a->status = AGENT_QUARANTINED;
      a->last_fault = FAULT_INIT;
      a->m.faults++;
    }
  }
  if (colony_config.link) colony_link_start();
  for (int i = 0; i < colony_config.n_agents; i++)
    if (colony_config.agents[i].status != AGENT_QUARANTINED) colony_agent_start(&colony_config.agents[i]);

  const char *why = "events";
  for (;;) {
    if (colony_config.max_events && events_total >= colony_config.max_events) break;
    if (colony_config.link) { colony_link_poll(); colony_ota_poll(); }
    colony_ledger_poll(); /* retries and timeouts of wallet transactions */
    if (colony_bus_deliver_one()) continue;
    next_t n = next_due();
    if (n.kind == NEXT_NONE) {
      if (colony_config.link) { port_idle(); continue; }
      why = "idle";
      break;
    }
    if (colony_config.clock == COLONY_CLOCK_VIRTUAL) {
      if (n.due > virtual_now) virtual_now = n.due;
    } else if (colony_now() < n.due) {
      port_idle();
      continue;
    }
    fire(&n);
  }
  print_metrics();
  colony_printf("colony: exit 0 events=%u reason=%s time=%L\n", (unsigned)events_total, why, colony_now());
  return 0;
}
