/* Boot from the `agents` partition: the image is put in place (as `colony flash` wrote
 * it), each module's slot pair is provisioned from it on first boot or booted, and the
 * engine then runs each agent's module from its active slot (mapped, not copied). With a
 * link, the OTA engine (device.c) then follows the device's job: an installed version is
 * started in place of the running one (the runtime re-instantiates the agent) with the
 * state its predecessor handed over, runs a health window, and the slots commit or roll back. */
#include <string.h>
#include "boot.h"
#include "device.h"
#include "ota.h"
#include "colony.h"
#include "port.h"
#include "engine.h"

#define MAX_AGENTS 8
/* how long a new version runs before it is judged: no fault in this window = healthy */
#define HEALTH_MS 2000u

typedef struct {
  const uint8_t *wasm;
  uint32_t len;
  char name[COLONY_OTA_NAME_MAX + 1];
  uint32_t faults; /* the agent's fault count when this version started */
} boot_module_t;

/* the agent executing wasm now (engine_wasm3.c), whose install must wait */
extern const char *colony_w3_current_agent;

static colony_slots_t slots[MAX_AGENTS];
static boot_module_t modules[MAX_AGENTS];
static colony_ota_runtime_t runtimes[MAX_AGENTS];
static const colony_ota_runtime_t *rts[MAX_AGENTS];
static uint32_t count;
static int booted, live, polling, in_poll;
static colony_ota_device_t device;

static colony_agent_t *agent_named(const char *name) {
  for (int i = 0; i < colony_config.n_agents; i++)
    if (!strcmp(colony_config.agents[i].spec->name, name)) return &colony_config.agents[i];
  return 0;
}

/* At boot an agent is "started" by recording where its module is: the runtime instantiates
 * it right after, as it does a compiled-in one. Later (an install or a rollback) the agent is
 * re-instantiated from the new slot at once. */
static int start(void *c, const colony_src_t *wasm, const colony_bundle_t *b) {
  boot_module_t *m = c;
  if (!wasm->flash || !wasm->flash->map) return 1;
  m->wasm = wasm->flash->map(wasm->flash->ctx, wasm->off);
  m->len = wasm->size;
  strcpy(m->name, b->name);
  if (!live) return 0;
  colony_agent_t *a = agent_named(b->name);
  if (!a) return 1;
  colony_printf("ota: starting %s %s\n", b->name, b->version);
  m->faults = a->m.faults;
  return colony_agent_start(a) ? 0 : 1;
}
/* The agent's `snapshot` export (docs/abi.md): the address of {u32 ptr, u32 len} of a CBOR
 * map, copied out; 0 bytes when it has none (its key-value state stays anyway: state.c). */
static int32_t snapshot(void *c, uint8_t *buf, uint32_t cap) {
  colony_agent_t *a = live ? agent_named(((boot_module_t *)c)->name) : 0;
  if (!a || a->status != AGENT_RUNNING || !a->spec->engine->has_export(a, EXPORT_SNAPSHOT)) return 0;
  const colony_engine_t *e = a->spec->engine;
  int32_t desc = 0;
  uint32_t size = 0;
  e->set_fuel(a, a->spec->fuel_per_event);
  if (e->call(a, EXPORT_SNAPSHOT, 0, 0, &desc) || desc == 0) return 0;
  uint8_t *m = e->memory(a, &size);
  if ((uint32_t)desc > size || size - (uint32_t)desc < 8) return -1;
  uint32_t p = (uint32_t)m[desc] | (uint32_t)m[desc + 1] << 8 | (uint32_t)m[desc + 2] << 16 | (uint32_t)m[desc + 3] << 24;
  uint32_t n = (uint32_t)m[desc + 4] | (uint32_t)m[desc + 5] << 8 | (uint32_t)m[desc + 6] << 16 | (uint32_t)m[desc + 7] << 24;
  if (p > size || n > size - p || n > cap) return -1;
  memcpy(buf, m + p, n);
  colony_printf("ota: %s handed over %u bytes of state\n", a->spec->name, (unsigned)n);
  return (int32_t)n;
}

/* The new version's `restore` export, after its init, with the snapshot in its inbox. */
static int restore(void *c, const uint8_t *s, uint32_t n) {
  colony_agent_t *a = live ? agent_named(((boot_module_t *)c)->name) : 0;
  if (!a || !a->spec->engine->has_export(a, EXPORT_RESTORE)) return 0;
  const colony_engine_t *e = a->spec->engine;
  uint32_t args[2] = {n, 0}, size = 0;
  int32_t at = 0, r = 0;
  e->set_fuel(a, a->spec->fuel_per_event);
  if (e->call(a, EXPORT_INBOX, args, 1, &at)) return 1;
  uint8_t *m = e->memory(a, &size);
  if ((uint32_t)at > size || n > size - (uint32_t)at) return 1;
  memcpy(m + at, s, n);
  args[0] = (uint32_t)at, args[1] = n;
  e->set_fuel(a, a->spec->fuel_per_event);
  if (e->call(a, EXPORT_RESTORE, args, 2, &r) || r < 0) return 1;
  colony_printf("ota: %s restored %u bytes of state\n", a->spec->name, (unsigned)n);
  return 0;
}
static int healthy(void *c) {
  boot_module_t *m = c;
  colony_agent_t *a = agent_named(m->name);
  int ok = a && a->status == AGENT_RUNNING && a->m.faults == m->faults;
  colony_printf("ota: %s health window: %s\n", m->name, ok ? "passed" : "failed");
  return ok;
}
static void stop(void *c) {
  boot_module_t *m = c;
  colony_agent_t *a = live ? agent_named(m->name) : 0;
  if (a) a->status = AGENT_STOPPED;
  m->wasm = 0;
}

/* an update the site's rules refuse: the console line (the job's status carries the detail) */
static void refused(const colony_bundle_t *next, const char *reason, const char *detail) {
  colony_printf("ota: refused %s %s policy %s: %s\n", next->name, next->version, reason, detail);
}

static void boot(void) {
  static const uint32_t abi[] = {COLONY_ABI_VERSION};
  static colony_ota_policy_t policy;
  booted = 1;
  policy.trusted = colony_ota_trusted;
  policy.ntrusted = colony_ota_ntrusted;
  policy.abi = abi;
  policy.nabi = 1;
  policy.updates = colony_ota_updates;
  policy.log = refused;
  /* the partition as `colony flash` left it: the modules image, erased flash after it */
  const colony_flash_t *f = colony_agents_flash();
  if (!f) {
    colony_printf("ota: no agents partition\n");
    return;
  }
  for (int i = 0; i < MAX_AGENTS; i++) {
    runtimes[i].ctx = &modules[i];
    runtimes[i].start = start, runtimes[i].snapshot = snapshot, runtimes[i].restore = restore;
    runtimes[i].healthy = healthy, runtimes[i].stop = stop;
    rts[i] = &runtimes[i];
  }
  count = MAX_AGENTS;
  colony_ota_reason_t e = colony_agents_boot(f, 0, f->size, colony_agents_slot_size, f->sector, rts, &policy, slots, &count);
  if (e) {
    colony_printf("ota: agents partition refused: %s\n", colony_ota_reason_name(e));
    count = 0;
    return;
  }
  for (uint32_t i = 0; i < count; i++) {
    colony_module_entry_t m;
    if (slots[i].running) colony_printf("ota: %s %s slot %u\n", slots[i].bundle.name, colony_slots_version(&slots[i]), (unsigned)slots[i].slot);
    else if (colony_modules_entry(f, 0, i, &m) == OTA_OK) {
      colony_src_t src = {f, 0, m.offset, m.length};
      colony_bundle_t b;
      colony_printf("ota: %s refused: %s\n", m.name, colony_ota_reason_name(colony_bundle_verify(&src, &policy, 0, &b)));
    } else colony_printf("ota: module %u refused: corrupted\n", (unsigned)i);
  }
  live = 1;
  if (!colony_config.link) return;
  device.site = colony_config.site;
  device.device = colony_config.device_id;
  device.agents = slots;
  device.nagents = count;
  device.health_ms = HEALTH_MS;
  if (colony_ota_device_start(&device) == 0) {
    polling = 1;
    colony_printf("ota: following colony/%s/ota/job/%s\n", colony_config.site, colony_config.device_id);
  }
}

/* mqttsn.c hands over what arrives on colony/<site>/ota/...; handled at once unless the
 * partition is still booting (then at the next message or event). */
static void poll(const char *busy) {
  if (!polling || in_poll) return; /* an install's own calls into the agent do not poll again */
  in_poll = 1;
  colony_ota_device_poll(&device, port_millis(), busy);
  in_poll = 0;
}

void colony_ota_message(const char *topic, uint32_t tn, const uint8_t *body, uint32_t bn) {
  colony_ota_device_message(&device, topic, tn, body, bn);
  poll(colony_w3_current_agent);
}

/* engine_wasm3.c, before each event: retries after silence, and installs that waited. */
void colony_ota_tick(const char *agent) { poll(agent); }

/* runtime.c's main loop, between events: the same work while no agent runs */
void colony_ota_poll(void) { poll(NULL); }

int colony_ota_module(const char *agent, const uint8_t **wasm, uint32_t *len) {
  if (!booted) boot();
  for (uint32_t i = 0; i < count; i++)
    if (modules[i].wasm && !strcmp(modules[i].name, agent)) {
      *wasm = modules[i].wasm;
      *len = modules[i].len;
      return 1;
    }
  return 0;
}
