/* Colony firmware runtime: the portable core (C99, no heap).
 * An agent is a wasm module behind an engine (engine.h); this runtime gives it
 * the ABI v1 host functions (host/kernel/abi.ts), timers, a bus, fuel budgets
 * and supervision, mirroring host/kernel/agent.ts. */
#ifndef COLONY_H
#define COLONY_H
#include <stddef.h>
#include <stdint.h>

#define COLONY_ABI_VERSION 1
#define COLONY_MAX_TIMERS 16
#define COLONY_MAX_SENSORS 4
#define COLONY_MAX_ACTUATORS 4
#define COLONY_MAX_SUBS 8
#define COLONY_STATE_KEYS 64
#define COLONY_STATE_VALUE 4096
#define COLONY_STATE_TOTAL 16384
#define COLONY_STATE_KEY_MAX 64
#define COLONY_MAX_MESSAGE 16384
#define COLONY_PAGE 65536u

/* AbiError (host/kernel/abi.ts) */
enum { COLONY_EINVALID = -1, COLONY_ENOTFOUND = -2, COLONY_EDENIED = -3, COLONY_ENOSPACE = -4, COLONY_EIO = -5, COLONY_EREFUSED = -6 };
/* EventKind */
enum { COLONY_EV_TIMER = 1, COLONY_EV_MESSAGE = 2, COLONY_EV_SENSOR = 3 };
/* capability groups, as bits */
enum {
  COLONY_CAP_CLOCK = 1 << 0, COLONY_CAP_LOG = 1 << 1, COLONY_CAP_SENSOR = 1 << 2, COLONY_CAP_ACTUATOR = 1 << 3,
  COLONY_CAP_MODEL = 1 << 4, COLONY_CAP_BUS = 1 << 5, COLONY_CAP_STATE = 1 << 6, COLONY_CAP_RANDOM = 1 << 7, COLONY_CAP_WALLET = 1 << 8
};
typedef enum { AGENT_STARTING, AGENT_RUNNING, AGENT_RESTARTING, AGENT_QUARANTINED, AGENT_STOPPED } colony_status_t;
typedef enum { FAULT_NONE, FAULT_TRAP, FAULT_FUEL, FAULT_INIT, FAULT_ABI } colony_fault_t;

struct colony_engine;

/* What the manifest says, as the firmware build generated it. */
typedef struct {
  const char *name;
  const char *version;
  uint32_t caps;
  const char *const *sensors;   uint8_t n_sensors;   /* named grants sensor:<x> */
  const char *const *actuators; uint8_t n_actuators;
  const char *const *models;    uint8_t n_models;
  const char *const *publish;   uint8_t n_publish;
  const char *const *subscribe; uint8_t n_subscribe;
  int32_t fuel_per_event;
  uint16_t memory_pages;
  const struct colony_engine *engine;
  const void *module;      /* engine-specific: a native module table or wasm bytes */
  uint32_t module_len;
  void *engine_state;      /* engine-specific static storage */
  uint8_t *state_arena;    /* key-value store storage (NULL without the state capability) */
  uint32_t state_arena_len;
} colony_agent_spec_t;

typedef struct {
  uint32_t events, faults, fuel_exhausted, restarts, published, received, refused, dropped;
  uint64_t init_fuel, fuel_used;
  uint32_t fuel_max_per_event;
  uint32_t memory_bytes;
  uint64_t ticks;          /* port_ticks() spent in this agent's events */
} colony_metrics_t;

typedef struct { int32_t id; uint32_t period; uint8_t armed, repeat; uint64_t due, seq; } colony_timer_t;
typedef struct { int32_t sensor; uint32_t period; uint8_t armed; uint64_t due, seq; } colony_watch_t;

typedef struct colony_agent {
  const colony_agent_spec_t *spec;
  colony_status_t status;
  colony_metrics_t m;
  colony_timer_t timers[COLONY_MAX_TIMERS];
  colony_watch_t watches[COLONY_MAX_SENSORS];
  int8_t sensors[COLONY_MAX_SENSORS];  uint8_t n_sensors;    /* handle -> board sensor index */
  int8_t actuators[COLONY_MAX_ACTUATORS]; uint8_t n_actuators;
  char subs[COLONY_MAX_SUBS][64]; uint8_t sub_len[COLONY_MAX_SUBS]; uint8_t n_subs; /* filters the agent subscribed */
  /* supervision */
  uint64_t fault_times[8]; uint8_t n_fault_times;
  uint8_t restart_pending; uint64_t restart_due, restart_seq; uint32_t restart_delay;
  colony_fault_t last_fault; char last_fault_msg[96];
  /* a host function that found a bad argument sets this; the engine turns it into a trap */
  const char *host_trap;
  uint32_t state_used, state_keys, state_bytes;
  int index;
} colony_agent_t;

typedef enum { COLONY_CLOCK_VIRTUAL = 0, COLONY_CLOCK_REAL = 1 } colony_clock_mode_t;

typedef struct {
  const char *board;
  const char *device_id;
  const char *site;
  uint32_t max_events;          /* 0: run until stopped */
  colony_clock_mode_t clock;
  uint32_t seed;
  uint8_t link;                 /* join the fleet over the port's link UART */
  colony_agent_t *agents;
  uint8_t n_agents;
  /* envelope.h: the keys that seal and open what crosses the link; NULL: bodies cross as they are */
  const struct colony_envelope *envelope;
} colony_config_t;

extern const colony_config_t colony_config;

/* ---- runtime.c ---- */
int colony_main(void);
extern uint32_t colony_events_total; /* calls of colony_dispatch */
uint64_t colony_now(void);
void colony_printf(const char *fmt, ...);
void colony_hex(const uint8_t *p, uint32_t n);
const char *colony_cap_name(uint32_t cap);

/* ---- hostfns.c: ABI v1 (argument order as in abi.ts). Pointers are offsets in the agent's memory. */
double colony_clock_now(colony_agent_t *a);
int32_t colony_clock_timer_set(colony_agent_t *a, int32_t id, int32_t period, int32_t repeat);
int32_t colony_clock_timer_cancel(colony_agent_t *a, int32_t id);
void colony_log_write(colony_agent_t *a, int32_t level, uint32_t p, uint32_t n);
int32_t colony_sensor_open(colony_agent_t *a, uint32_t p, uint32_t n);
int32_t colony_sensor_read(colony_agent_t *a, int32_t h, uint32_t p, int32_t max);
int32_t colony_sensor_watch(colony_agent_t *a, int32_t h, int32_t period);
int32_t colony_actuator_open(colony_agent_t *a, uint32_t p, uint32_t n);
int32_t colony_actuator_write(colony_agent_t *a, int32_t h, uint32_t p, uint32_t n);
int32_t colony_model_invoke(colony_agent_t *a, uint32_t np, uint32_t nn, uint32_t ip, uint32_t il, uint32_t op, uint32_t ol);
int32_t colony_bus_publish(colony_agent_t *a, uint32_t tp, uint32_t tn, uint32_t bp, uint32_t bn, int32_t qos);
int32_t colony_bus_subscribe(colony_agent_t *a, uint32_t fp, uint32_t fn);
int32_t colony_state_get(colony_agent_t *a, uint32_t kp, uint32_t kn, uint32_t bp, uint32_t bn);
int32_t colony_state_set(colony_agent_t *a, uint32_t kp, uint32_t kn, uint32_t vp, uint32_t vn);
int32_t colony_state_delete(colony_agent_t *a, uint32_t kp, uint32_t kn);
void colony_random_fill(colony_agent_t *a, uint32_t p, uint32_t n);
int32_t colony_wallet_id(colony_agent_t *a, uint32_t bp, uint32_t bn);
int32_t colony_wallet_tx(colony_agent_t *a, int32_t kind, uint32_t tp, uint32_t tn, double amount, uint32_t rp, uint32_t rn, uint32_t ap, uint32_t an);
int32_t colony_wallet_status(colony_agent_t *a, int32_t handle);
double colony_wallet_balance(colony_agent_t *a, uint32_t ap, uint32_t an);

/* ---- wallet.c: a signed ledger transaction's wire form ([bytes, sig], host/economy/tx.ts), its length or COLONY_ENOSPACE */
int32_t colony_wallet_wire(uint8_t *out, uint32_t cap, const char *kind, const char *from, const uint8_t *to, uint32_t tn, uint64_t amount,
                           uint64_t nonce, const uint8_t *ref, uint32_t rn, const uint8_t *arb, uint32_t an, const uint8_t seed[32], const uint8_t pub[32]);

/* ---- runtime.c calls it each loop with a link; firmware/ota/boot.c defines it ---- */
void colony_ota_poll(void);

/* ---- runtime.c: the order of entries armed for the same time ---- */
uint64_t colony_sched_seq(void);

/* ---- state.c: kept across restarts, as the simulator keeps it ---- */
int32_t colony_kv_get(colony_agent_t *a, const uint8_t *k, uint32_t kn, uint8_t *out, uint32_t cap);
int32_t colony_kv_set(colony_agent_t *a, const uint8_t *k, uint32_t kn, const uint8_t *v, uint32_t vn);
int32_t colony_kv_delete(colony_agent_t *a, const uint8_t *k, uint32_t kn);

/* ---- bus.c ---- */
int colony_topic_matches(const char *filter, uint32_t fn, const char *topic, uint32_t tn);
/* queue a message for local subscribers (from: agent index, or -1 for the link) */
int colony_bus_enqueue(int from, const char *topic, uint32_t tn, const uint8_t *body, uint32_t bn);
/* delivers the oldest queued message; returns 0 when the queue was empty */
int colony_bus_deliver_one(void);
int colony_bus_pending(void);

/* ---- cbor.c ---- */
/* length of the one well-formed CBOR item at p, or -1 */
int32_t colony_cbor_item_len(const uint8_t *p, uint32_t n);
/* a reader over bytes in memory: one head at a time (definite lengths only) */
typedef struct { const uint8_t *p; uint32_t n, at; } colony_cbor_rd_t;
/* the head at r->at: its major type and argument, r->at past it; 0 when cut short or indefinite */
int colony_cbor_read_head(colony_cbor_rd_t *r, uint8_t *major, uint64_t *v);
/* a writer into a fixed buffer: once full it sets `over` and writes nothing more */
typedef struct { uint8_t *p; uint32_t n, cap; int over; } colony_cbor_wr_t;
void colony_cbor_put(colony_cbor_wr_t *w, const void *src, uint32_t n);
void colony_cbor_head(colony_cbor_wr_t *w, uint8_t major, uint64_t v); /* shortest form */
void colony_cbor_text(colony_cbor_wr_t *w, const char *s, uint32_t n);
void colony_cbor_bytes(colony_cbor_wr_t *w, const uint8_t *s, uint32_t n);

/* ---- sim.c: the simulated sensors and actuators of the QEMU boards ---- */
int colony_board_sensor(const char *name, uint32_t n);
const char *colony_board_sensor_name(int idx);
/* index of the newest sample at now_ms, and sample k */
int64_t colony_board_sensor_last(int idx, uint64_t now_ms);
float colony_board_sensor_sample(int idx, int64_t k);
int colony_board_actuator(const char *name, uint32_t n);
int colony_board_actuator_write(int idx, colony_agent_t *a, const uint8_t *cmd, uint32_t n);

/* ---- runtime.c: what the scheduler and the link call ---- */
void colony_dispatch(colony_agent_t *a, int kind, const uint8_t *payload, uint32_t n);
void colony_deliver_message(colony_agent_t *a, const char *topic, uint32_t tn, const uint8_t *body, uint32_t bn);
int colony_agent_start(colony_agent_t *a);
void colony_agent_restart(colony_agent_t *a);
const char *colony_fault_name(colony_fault_t f);

/* ---- model.c: the TinyML core (host/tinyml's core.wasm through wasm2c) and the models the build
 * embedded, generated (model_glue.c) when a manifest grants `model:<name>`. One shared core instance:
 * a model is loaded (arena planned, operators prepared) on first use and again only when another
 * model was used in between. */
typedef struct {
  const char *name;
  const uint8_t *bytes;        /* Colony's compiled model, const in flash */
  uint32_t len, input_bytes, output_bytes;
} colony_model_t;
typedef struct {
  const colony_model_t *models;
  uint8_t n_models;
  /* each runs the core under its own trap handler: NULL, or the trap's message; *status: the core's status */
  const char *(*load)(const uint8_t *bytes, uint32_t len, int32_t *status);
  const char *(*invoke)(const uint8_t *in, uint32_t n, uint8_t *out, uint32_t cap, int32_t *status);
  uint32_t (*memory_bytes)(void);
} colony_model_core_t;
/* model_invoke after the pointer and grant checks: output bytes, or a negative AbiError as the host's */
int32_t colony_model_run(colony_agent_t *a, const uint8_t *name, uint32_t nn, const uint8_t *in, uint32_t il, uint8_t *out, uint32_t ol);
uint32_t colony_model_loads(void);
#endif
