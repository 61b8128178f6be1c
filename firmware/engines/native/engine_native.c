/* The native engine behind engine.h: calls into wasm2c output under a
 * setjmp, so a trap (wasm2c's own checks, `unreachable` when the fuel runs
 * out, or a host function refusing a bad pointer) returns here as a message. */
#include <setjmp.h>
#include "native.h"
#include "../../runtime/colony.h"

static const native_module_t *mod(colony_agent_t *a) { return (const native_module_t *)a->spec->module; }

static int setup(colony_agent_t *a, const char **err) {
  (void)err;
  if (!wasm_rt_is_initialized()) wasm_rt_init();
  mod(a)->init_module();
  return 0;
}

static const char *trap_message(colony_agent_t *a, int code) {
  const char *msg = a->host_trap ? a->host_trap : wasm_rt_strerror((wasm_rt_trap_t)code);
  a->host_trap = 0;
  return msg;
}

static int instantiate(colony_agent_t *a, const char **err) {
  const native_module_t *m = mod(a);
  jmp_buf jb;
  jmp_buf *prev = wasm_rt_get_unwind_target();
  int code = setjmp(jb);
  if (code == 0) {
    wasm_rt_set_unwind_target(&jb);
    nrt_bind(m->arena, m->arena_pages, m->table_storage, m->table_capacity);
    m->instantiate(a);
    wasm_rt_set_unwind_target(prev);
    return 0;
  }
  wasm_rt_set_unwind_target(prev);
  *err = trap_message(a, code);
  return -1;
}

static const char *call(colony_agent_t *a, colony_export_t ex, const uint32_t *args, int nargs, int32_t *result) {
  const native_module_t *m = mod(a);
  jmp_buf jb;
  jmp_buf *prev = wasm_rt_get_unwind_target();
  (void)nargs;
  a->host_trap = 0;
  int code = setjmp(jb);
  if (code == 0) {
    uint32_t r = 0;
    wasm_rt_set_unwind_target(&jb);
    switch (ex) {
      case EXPORT_ABI: r = m->abi(); break;
      case EXPORT_INBOX: r = m->inbox(args[0]); break;
      case EXPORT_INIT: r = m->init(); break;
      case EXPORT_ON_EVENT: r = m->on_event(args[0], args[1], args[2]); break;
      case EXPORT_SNAPSHOT: r = m->snapshot ? m->snapshot() : 0; break;
      case EXPORT_RESTORE: r = m->restore ? m->restore(args[0], args[1]) : 0; break;
    }
    wasm_rt_set_unwind_target(prev);
    *result = (int32_t)r;
    return 0;
  }
  wasm_rt_set_unwind_target(prev);
  return trap_message(a, code);
}

static int has_export(colony_agent_t *a, colony_export_t ex) {
  if (ex == EXPORT_SNAPSHOT) return mod(a)->snapshot != 0;
  if (ex == EXPORT_RESTORE) return mod(a)->restore != 0;
  return 1;
}

static uint8_t *memory(colony_agent_t *a, uint32_t *size) {
  wasm_rt_memory_t *mem = mod(a)->memory();
  *size = mem->size;
  return mem->data;
}

static int32_t get_fuel(colony_agent_t *a) { return (int32_t)*mod(a)->fuel(); }
static void set_fuel(colony_agent_t *a, int32_t fuel) { *mod(a)->fuel() = (uint32_t)fuel; }

const colony_engine_t colony_engine_native = {"native", setup, instantiate, call, has_export, memory, get_fuel, set_fuel};
