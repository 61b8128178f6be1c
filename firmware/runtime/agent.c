/* One agent's lifecycle: instantiate, init under a fuel budget, deliver events,
 * and on a fault restart with backoff or quarantine (host/kernel/agent.ts and
 * supervisor.ts: 100 ms doubling to 10 s; 3 faults in 60 s quarantine). */
#include <string.h>
#include "colony.h"
#include "../engines/engine.h"
#include "port.h"

#define RESTART_BASE_MS 100u
#define RESTART_MAX_MS 10000u
#define MAX_FAULTS 3u
#define WINDOW_MS 60000u

static const char *const fault_names[] = {"none", "trap", "fuel", "init", "abi"};

static void clear_resources(colony_agent_t *a) {
  memset(a->timers, 0, sizeof a->timers);
  memset(a->watches, 0, sizeof a->watches);
  a->n_sensors = a->n_actuators = a->n_subs = 0;
}

static void copy_msg(char *dst, uint32_t cap, const char *a, const char *b) {
  uint32_t i = 0;
  for (; a && *a && i + 1 < cap; a++) dst[i++] = *a;
  if (b && i + 2 < cap) { dst[i++] = ':'; dst[i++] = ' '; }
  for (; b && *b && i + 1 < cap; b++) dst[i++] = *b;
  dst[i] = 0;
}

static void fault(colony_agent_t *a, colony_fault_t kind, const char *what, const char *msg) {
  uint64_t now = colony_now();
  a->m.faults++;
  a->last_fault = kind;
  copy_msg(a->last_fault_msg, sizeof a->last_fault_msg, what, msg);
  clear_resources(a);
  colony_printf("fault %s %s: %s\n", a->spec->name, fault_names[kind], a->last_fault_msg);
  /* the supervisor: faults within the window */
  uint8_t n = 0;
  for (uint8_t i = 0; i < a->n_fault_times; i++)
    if (now - a->fault_times[i] < WINDOW_MS) a->fault_times[n++] = a->fault_times[i];
  if (n == sizeof a->fault_times / sizeof a->fault_times[0]) { memmove(a->fault_times, a->fault_times + 1, (n - 1) * sizeof(uint64_t)); n--; }
  a->fault_times[n++] = now;
  a->n_fault_times = n;
  if (n >= MAX_FAULTS) {
    a->status = AGENT_QUARANTINED;
    a->restart_pending = 0;
    colony_printf("quarantine %s after %u faults in %u s\n", a->spec->name, (unsigned)n, (unsigned)(WINDOW_MS / 1000));
    return;
  }
  uint32_t delay = RESTART_BASE_MS << (n - 1);
  if (delay > RESTART_MAX_MS) delay = RESTART_MAX_MS;
  a->status = AGENT_RESTARTING;
  a->restart_pending = 1;
  a->restart_delay = delay;
  a->restart_due = now + delay;
  a->restart_seq = colony_sched_seq();
}

static void account(colony_agent_t *a, int is_init, int32_t budget) {
  const colony_engine_t *e = a->spec->engine;
  int32_t left = e->get_fuel(a);
  uint32_t used = (uint32_t)(budget - (left > 0 ? left : 0));
  uint32_t size = 0;
  e->memory(a, &size);
  a->m.memory_bytes = size;
  if (is_init) { a->m.init_fuel += used; return; }
  a->m.fuel_used += used;
  if (used > a->m.fuel_max_per_event) a->m.fuel_max_per_event = used;
}

/* A call under a fresh budget; 0 if it faulted (and was handled). */
static int metered(colony_agent_t *a, const char *what, const char *trap, int is_init, int32_t budget) {
  const colony_engine_t *e = a->spec->engine;
  account(a, is_init, budget);
  if (trap) {
    if (e->get_fuel(a) < 0) {
      a->m.fuel_exhausted++;
      fault(a, FAULT_FUEL, what, "fuel budget exhausted");
    } else {
      fault(a, FAULT_TRAP, what, trap);
    }
    return 0;
  }
  return 1;
}

int colony_agent_start(colony_agent_t *a) {
  const colony_engine_t *e = a->spec->engine;
  const char *err = NULL;
  int32_t r = 0;
  a->status = AGENT_STARTING;
  a->host_trap = NULL;
  clear_resources(a);
  if (e->instantiate(a, &err) != 0) { fault(a, FAULT_INIT, "instantiate", err); return 0; }
  const char *trap = e->call(a, EXPORT_ABI, NULL, 0, &r);
  if (trap) { fault(a, FAULT_TRAP, "colony_abi", trap); return 0; }
  if (r != COLONY_ABI_VERSION) { fault(a, FAULT_ABI, "colony_abi", "module speaks another ABI version"); return 0; }
  int32_t budget = a->spec->fuel_per_event;
  e->set_fuel(a, budget);
  trap = e->call(a, EXPORT_INIT, NULL, 0, &r);
  if (!metered(a, "init", trap, 1, budget)) return 0;
  if (r < 0) { fault(a, FAULT_INIT, "init", "init returned an error"); return 0; }
  a->status = AGENT_RUNNING;
  colony_printf("start %s@%s engine=%s\n", a->spec->name, a->spec->version, e->name);
  return 1;
}

void colony_dispatch(colony_agent_t *a, int kind, const uint8_t *payload, uint32_t n) {
  const colony_engine_t *e = a->spec->engine;
  colony_events_total++;
  if (a->status != AGENT_RUNNING) { a->m.dropped++; return; }
  a->m.events++;
  const char *what = kind == COLONY_EV_TIMER ? "timer" : kind == COLONY_EV_MESSAGE ? "message" : "sensor";
  int32_t budget = a->spec->fuel_per_event, ptr = 0, r = 0;
  uint64_t t0 = port_ticks();
  e->set_fuel(a, budget);
  uint32_t args[3] = {n, 0, 0};
  const char *trap = e->call(a, EXPORT_INBOX, args, 1, &ptr);
  if (!trap) {
    uint32_t size = 0;
    uint8_t *m = e->memory(a, &size);
    if ((uint32_t)ptr > size || n > size - (uint32_t)ptr) trap = "event payload: out-of-bounds memory access";
    else {
      memcpy(m + (uint32_t)ptr, payload, n);
      args[0] = (uint32_t)kind; args[1] = (uint32_t)ptr; args[2] = n;
      trap = e->call(a, EXPORT_ON_EVENT, args, 3, &r);
    }
  }
  a->m.ticks += port_ticks() - t0;
  metered(a, what, trap, 0, budget);
}

void colony_deliver_message(colony_agent_t *a, const char *topic, uint32_t tn, const uint8_t *body, uint32_t bn) {
  static uint8_t payload[2 + 256 + 8192];
  if (colony_cbor_item_len(body, bn) != (int32_t)bn) {
    a->m.dropped++;
    colony_printf("dropped %s malformed message on %.*s\n", a->spec->name, (int)tn, topic);
    return;
  }
  if (tn > 256 || bn > 8192) { a->m.dropped++; return; }
  payload[0] = (uint8_t)tn;
  payload[1] = (uint8_t)(tn >> 8);
  memcpy(payload + 2, topic, tn);
  memcpy(payload + 2 + tn, body, bn);
  a->m.received++;
  colony_dispatch(a, COLONY_EV_MESSAGE, payload, 2 + tn + bn);
}

void colony_agent_restart(colony_agent_t *a) {
  a->restart_pending = 0;
  a->m.restarts++;
  colony_printf("restart %s after %u ms\n", a->spec->name, (unsigned)a->restart_delay);
  colony_agent_start(a);
}

const char *colony_fault_name(colony_fault_t f) { return fault_names[f]; }
