/* model_invoke's work after hostfns.c checked the pointers and the grant:
 * the same results as host/tinyml's ModelService behind host/kernel's
 * model_invoke (not found -2, input length -1, output too small -4, a core
 * that refuses or traps -1), on the one shared core instance the build
 * generated (model_glue.c). A build without models has no table: every name
 * is not found. A model call costs the agent no fuel, as on the host, where
 * fuel counts only the agent's own instructions. */
#include <string.h>
#include "colony.h"
#include "port.h"

extern const colony_model_core_t colony_model_core __attribute__((weak));

static int loaded = -1; /* index of the model the core holds */
static uint32_t loads;

uint32_t colony_model_loads(void) { return loads; }

static int32_t failed(colony_agent_t *a, const colony_model_t *m, const char *what, int32_t status) {
  loaded = -1;
  colony_printf("model %s %s failed: %s %d\n", a->spec->name, m->name, what, (int)status);
  return COLONY_EINVALID;
}

int32_t colony_model_run(colony_agent_t *a, const uint8_t *name, uint32_t nn, const uint8_t *in, uint32_t il, uint8_t *out, uint32_t ol) {
  const colony_model_core_t *core = &colony_model_core;
  int idx = -1;
  for (int i = 0; core && i < core->n_models && idx < 0; i++)
    if (strlen(core->models[i].name) == nn && memcmp(core->models[i].name, name, nn) == 0) idx = i;
  if (idx < 0) return COLONY_ENOTFOUND;
  const colony_model_t *m = &core->models[idx];
  if (il != m->input_bytes) return COLONY_EINVALID;
  if (ol < m->output_bytes) return COLONY_ENOSPACE;
  int32_t status = 0;
  const char *trap;
  if (loaded != idx) {
    trap = core->load(m->bytes, m->len, &status);
    if (trap) return failed(a, m, trap, 0);
    if (status != 0) return failed(a, m, "load_model", status);
    loaded = idx;
    loads++;
  }
  uint64_t t0 = port_ticks();
  trap = core->invoke(in, il, out, m->output_bytes, &status);
  uint64_t t1 = port_ticks();
  if (trap) return failed(a, m, trap, 0);
  if (status != 0) return failed(a, m, "invoke", status);
  colony_printf("model %s %s bytes=%u ticks=%L loads=%u memory=%u\n", a->spec->name, m->name, (unsigned)m->output_bytes, t1 - t0, (unsigned)loads, (unsigned)core->memory_bytes());
  return (int32_t)m->output_bytes;
}
