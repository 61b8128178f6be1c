/* The wasm3 engine behind engine.h. wasm3 allocates the runtime, the compiled
 * code and linear memory when an agent is (re)instantiated and frees them when
 * it is replaced, from the engine's static pool (heap.c) where the build sets
 * COLONY_WASM3_POOL, not the C heap; each instantiate prints what the pool holds. Linear memory is capped at the
 * manifest's pages through the runtime's memoryLimit. */
#include <string.h>
#include "wasm3.h"
#include "m3_env.h"
#include "wasm3_engine.h"
#include "heap.h"
#include "../../runtime/colony.h"

#define STACK_BYTES (32 * 1024)

static IM3Environment env;

static colony_wasm3_state_t *st(colony_agent_t *a) { return (colony_wasm3_state_t *)a->spec->engine_state; }
#define AGENT ((colony_agent_t *)m3_GetUserData(runtime))
#define HOST_RETURN(expr) do { m3ApiReturn(expr); } while (0)
#define TRAP_IF_BAD() do { if (AGENT->host_trap) m3ApiTrap(m3Err_trapOutOfBoundsMemoryAccess); } while (0)

static m3ApiRawFunction(h_clock_now) { m3ApiReturnType(double); m3ApiReturn(colony_clock_now(AGENT)); }
static m3ApiRawFunction(h_timer_set) {
  m3ApiReturnType(int32_t); m3ApiGetArg(int32_t, id); m3ApiGetArg(int32_t, period); m3ApiGetArg(int32_t, repeat);
  m3ApiReturn(colony_clock_timer_set(AGENT, id, period, repeat));
}
static m3ApiRawFunction(h_timer_cancel) { m3ApiReturnType(int32_t); m3ApiGetArg(int32_t, id); m3ApiReturn(colony_clock_timer_cancel(AGENT, id)); }
static m3ApiRawFunction(h_log_write) {
  m3ApiGetArg(int32_t, level); m3ApiGetArg(uint32_t, p); m3ApiGetArg(uint32_t, n);
  colony_log_write(AGENT, level, p, n);
  TRAP_IF_BAD();
  m3ApiSuccess();
}
static m3ApiRawFunction(h_sensor_open) {
  m3ApiReturnType(int32_t); m3ApiGetArg(uint32_t, p); m3ApiGetArg(uint32_t, n);
  int32_t r = colony_sensor_open(AGENT, p, n); TRAP_IF_BAD(); m3ApiReturn(r);
}
static m3ApiRawFunction(h_sensor_read) {
  m3ApiReturnType(int32_t); m3ApiGetArg(int32_t, h); m3ApiGetArg(uint32_t, p); m3ApiGetArg(int32_t, max);
  int32_t r = colony_sensor_read(AGENT, h, p, max); TRAP_IF_BAD(); m3ApiReturn(r);
}
static m3ApiRawFunction(h_sensor_watch) {
  m3ApiReturnType(int32_t); m3ApiGetArg(int32_t, h); m3ApiGetArg(int32_t, period);
  m3ApiReturn(colony_sensor_watch(AGENT, h, period));
}
static m3ApiRawFunction(h_actuator_open) {
  m3ApiReturnType(int32_t); m3ApiGetArg(uint32_t, p); m3ApiGetArg(uint32_t, n);
  int32_t r = colony_actuator_open(AGENT, p, n); TRAP_IF_BAD(); m3ApiReturn(r);
}
static m3ApiRawFunction(h_actuator_write) {
  m3ApiReturnType(int32_t); m3ApiGetArg(int32_t, h); m3ApiGetArg(uint32_t, p); m3ApiGetArg(uint32_t, n);
  int32_t r = colony_actuator_write(AGENT, h, p, n); TRAP_IF_BAD(); m3ApiReturn(r);
}
static m3ApiRawFunction(h_model_invoke) {
  m3ApiReturnType(int32_t); m3ApiGetArg(uint32_t, np); m3ApiGetArg(uint32_t, nn); m3ApiGetArg(uint32_t, ip);
  m3ApiGetArg(uint32_t, il); m3ApiGetArg(uint32_t, op); m3ApiGetArg(uint32_t, ol);
  int32_t r = colony_model_invoke(AGENT, np, nn, ip, il, op, ol); TRAP_IF_BAD(); m3ApiReturn(r);
}
static m3ApiRawFunction(h_bus_publish) {
  m3ApiReturnType(int32_t); m3ApiGetArg(uint32_t, tp); m3ApiGetArg(uint32_t, tn); m3ApiGetArg(uint32_t, bp);
  m3ApiGetArg(uint32_t, bn); m3ApiGetArg(int32_t, qos);
  int32_t r = colony_bus_publish(AGENT, tp, tn, bp, bn, qos); TRAP_IF_BAD(); m3ApiReturn(r);
}
static m3ApiRawFunction(h_bus_subscribe) {
  m3ApiReturnType(int32_t); m3ApiGetArg(uint32_t, p); m3ApiGetArg(uint32_t, n);
  int32_t r = colony_bus_subscribe(AGENT, p, n); TRAP_IF_BAD(); m3ApiReturn(r);
}
static m3ApiRawFunction(h_state_get) {
  m3ApiReturnType(int32_t); m3ApiGetArg(uint32_t, kp); m3ApiGetArg(uint32_t, kn); m3ApiGetArg(uint32_t, bp); m3ApiGetArg(uint32_t, bn);
  int32_t r = colony_state_get(AGENT, kp, kn, bp, bn); TRAP_IF_BAD(); m3ApiReturn(r);
}
static m3ApiRawFunction(h_state_set) {
  m3ApiReturnType(int32_t); m3ApiGetArg(uint32_t, kp); m3ApiGetArg(uint32_t, kn); m3ApiGetArg(uint32_t, vp); m3ApiGetArg(uint32_t, vn);
  int32_t r = colony_state_set(AGENT, kp, kn, vp, vn); TRAP_IF_BAD(); m3ApiReturn(r);
}
static m3ApiRawFunction(h_state_delete) {
  m3ApiReturnType(int32_t); m3ApiGetArg(uint32_t, kp); m3ApiGetArg(uint32_t, kn);
  int32_t r = colony_state_delete(AGENT, kp, kn); TRAP_IF_BAD(); m3ApiReturn(r);
}
static m3ApiRawFunction(h_random_fill) {
  m3ApiGetArg(uint32_t, p); m3ApiGetArg(uint32_t, n);
  colony_random_fill(AGENT, p, n);
  TRAP_IF_BAD();
  m3ApiSuccess();
}

static m3ApiRawFunction(h_wallet_id) {
  m3ApiReturnType(int32_t); m3ApiGetArg(uint32_t, p); m3ApiGetArg(uint32_t, n);
  int32_t r = colony_wallet_id(AGENT, p, n); TRAP_IF_BAD(); m3ApiReturn(r);
}
static m3ApiRawFunction(h_wallet_tx) {
  m3ApiReturnType(int32_t); m3ApiGetArg(int32_t, kind); m3ApiGetArg(uint32_t, tp); m3ApiGetArg(uint32_t, tn); m3ApiGetArg(double, amount);
  m3ApiGetArg(uint32_t, rp); m3ApiGetArg(uint32_t, rn); m3ApiGetArg(uint32_t, ap); m3ApiGetArg(uint32_t, an);
  int32_t r = colony_wallet_tx(AGENT, kind, tp, tn, amount, rp, rn, ap, an); TRAP_IF_BAD(); m3ApiReturn(r);
}
static m3ApiRawFunction(h_wallet_status) {
  m3ApiReturnType(int32_t); m3ApiGetArg(int32_t, h);
  int32_t r = colony_wallet_status(AGENT, h); TRAP_IF_BAD(); m3ApiReturn(r);
}
static m3ApiRawFunction(h_wallet_balance) {
  m3ApiReturnType(double); m3ApiGetArg(uint32_t, p); m3ApiGetArg(uint32_t, n);
  double r = colony_wallet_balance(AGENT, p, n); TRAP_IF_BAD(); m3ApiReturn(r);
}

/* ABI v1, wasm3 signatures as host/kernel/abi.ts's wasm3Signature gives them */
static const struct { const char *name, *sig; M3RawCall fn; } HOST[] = {
  {"clock_now", "F()", h_clock_now},
  {"clock_timer_set", "i(iii)", h_timer_set},
  {"clock_timer_cancel", "i(i)", h_timer_cancel},
  {"log_write", "v(iii)", h_log_write},
  {"sensor_open", "i(ii)", h_sensor_open},
  {"sensor_read", "i(iii)", h_sensor_read},
  {"sensor_watch", "i(ii)", h_sensor_watch},
  {"actuator_open", "i(ii)", h_actuator_open},
  {"actuator_write", "i(iii)", h_actuator_write},
  {"model_invoke", "i(iiiiii)", h_model_invoke},
  {"bus_publish", "i(iiiii)", h_bus_publish},
  {"bus_subscribe", "i(ii)", h_bus_subscribe},
  {"state_get", "i(iiii)", h_state_get},
  {"state_set", "i(iiii)", h_state_set},
  {"state_delete", "i(ii)", h_state_delete},
  {"random_fill", "v(ii)", h_random_fill},
  {"wallet_id", "i(ii)", h_wallet_id},
  {"wallet_tx", "i(iiiFiiii)", h_wallet_tx},
  {"wallet_status", "i(i)", h_wallet_status},
  {"wallet_balance", "F(ii)", h_wallet_balance},
};

/* firmware/ota/boot.c's, when the build has an agents partition; else none */
__attribute__((weak)) int colony_ota_module(const char *agent, const uint8_t **wasm, uint32_t *len) {
  (void)agent, (void)wasm, (void)len;
  return 0;
}
/* OTA's periodic work, run before an event while no wasm executes (boot.c's, or none) */
__attribute__((weak)) void colony_ota_tick(const char *agent) { (void)agent; }
/* the agent whose wasm is executing, or NULL */
const char *colony_w3_current_agent;

static const char *const EXPORTS[] = {"colony_abi", "colony_inbox", "init", "on_event", "snapshot", "restore"};

static int setup(colony_agent_t *a, const char **err) {
  (void)a;
  if (!env) env = m3_NewEnvironment();
  if (!env) { *err = "wasm3: no memory for the environment"; return -1; }
  return 0;
}

static int instantiate(colony_agent_t *a, const char **err) {
  colony_wasm3_state_t *s = st(a);
  if (s->runtime) m3_FreeRuntime((IM3Runtime)s->runtime); /* frees the module loaded into it */
  memset(s, 0, sizeof *s);
  IM3Runtime rt = m3_NewRuntime(env, STACK_BYTES, a);
  if (!rt) { *err = "wasm3: no memory for a runtime"; return -1; }
  rt->memoryLimit = (u32)a->spec->memory_pages * COLONY_PAGE;
  s->runtime = rt;
  IM3Module mod = NULL;
  /* an agent installed in the `agents` partition runs from its active slot (firmware/ota) */
  const uint8_t *wasm = (const uint8_t *)a->spec->module;
  uint32_t wasm_len = a->spec->module_len;
  colony_ota_module(a->spec->name, &wasm, &wasm_len);
  M3Result r = m3_ParseModule(env, &mod, wasm, wasm_len);
  if (!r) r = m3_LoadModule(rt, mod);
  else if (mod) m3_FreeModule(mod);
  if (r) { *err = r; return -1; }
  s->module = mod;
  for (unsigned i = 0; i < sizeof HOST / sizeof HOST[0]; i++) {
    r = m3_LinkRawFunction(mod, "colony", HOST[i].name, HOST[i].sig, HOST[i].fn);
    if (r && r != m3Err_functionLookupFailed) { *err = r; return -1; }
  }
  s->fuel = m3_FindGlobal(mod, "colony_fuel");
  if (!s->fuel) { *err = "module has no colony_fuel global (not metered)"; return -1; }
  for (int i = 0; i < 6; i++) {
    IM3Function f = NULL;
    r = m3_FindFunction(&f, rt, EXPORTS[i]); /* the first lookup runs the start function */
    if (r && i < 4) { *err = r; return -1; }
    s->fn[i] = r ? NULL : f;
  }
#ifdef COLONY_WASM3_POOL
  colony_w3_heap_stats_t h = colony_w3_heap_stats();
  colony_printf("wasm3 heap %s used=%u peak=%u pool=%u\n", a->spec->name, (unsigned)h.used, (unsigned)h.peak, (unsigned)h.size);
#endif
  return 0;
}

static const char *call(colony_agent_t *a, colony_export_t ex, const uint32_t *args, int nargs, int32_t *result) {
  IM3Function f = (IM3Function)st(a)->fn[ex];
  const void *argp[3];
  uint32_t r = 0;
  a->host_trap = 0;
  if (!f) { *result = 0; return 0; }
  for (int i = 0; i < nargs; i++) argp[i] = &args[i];
  if (ex == EXPORT_INBOX && !colony_w3_current_agent) {
    colony_ota_tick(a->spec->name);
    f = (IM3Function)st(a)->fn[ex]; /* the agent may have been re-instantiated */
    if (!f) { *result = 0; return 0; }
  }
  const char *outer = colony_w3_current_agent;
  colony_w3_current_agent = a->spec->name;
  M3Result res = m3_Call(f, (uint32_t)nargs, argp);
  colony_w3_current_agent = outer;
  if (res) {
    const char *msg = a->host_trap ? a->host_trap : res;
    a->host_trap = 0;
    return msg;
  }
  if (m3_GetRetCount(f) > 0) m3_GetResultsV(f, &r);
  *result = (int32_t)r;
  return 0;
}

static int has_export(colony_agent_t *a, colony_export_t ex) { return st(a)->fn[ex] != 0; }

static uint8_t *memory(colony_agent_t *a, uint32_t *size) {
  *size = 0;
  if (!st(a)->runtime) return 0;
  return m3_GetMemory((IM3Runtime)st(a)->runtime, size, 0);
}

static int32_t get_fuel(colony_agent_t *a) {
  M3TaggedValue v;
  if (!st(a)->fuel || m3_GetGlobal((IM3Global)st(a)->fuel, &v)) return 0;
  return (int32_t)v.value.i32;
}

static void set_fuel(colony_agent_t *a, int32_t fuel) {
  M3TaggedValue v;
  v.type = c_m3Type_i32;
  v.value.i32 = (uint32_t)fuel;
  if (st(a)->fuel) m3_SetGlobal((IM3Global)st(a)->fuel, &v);
}

const colony_engine_t colony_engine_wasm3 = {"wasm3", setup, instantiate, call, has_export, memory, get_fuel, set_fuel};
