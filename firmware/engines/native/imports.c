/* The `colony` import module as wasm2c names it (Z_colonyZ_<name>), shared by
 * every native agent: the instance pointer wasm2c passes is the agent. A host
 * function that found a bad pointer traps the agent here. */
#include "native.h"
#include "../../runtime/colony.h"

struct Z_colony_instance_t;
/* the core types every wasm2c header defines, under the same guard */
#ifndef WASM_RT_CORE_TYPES_DEFINED
#define WASM_RT_CORE_TYPES_DEFINED
typedef uint8_t u8;
typedef int8_t s8;
typedef uint16_t u16;
typedef int16_t s16;
typedef uint32_t u32;
typedef int32_t s32;
typedef uint64_t u64;
typedef int64_t s64;
typedef float f32;
typedef double f64;
#endif
#define AGENT ((colony_agent_t *)ctx)
#define CHECK() do { if (AGENT->host_trap) wasm_rt_trap(WASM_RT_TRAP_OOB); } while (0)

f64 Z_colonyZ_clock_now(struct Z_colony_instance_t *ctx) { return colony_clock_now(AGENT); }
u32 Z_colonyZ_clock_timer_set(struct Z_colony_instance_t *ctx, u32 id, u32 period, u32 repeat) {
  return (u32)colony_clock_timer_set(AGENT, (int32_t)id, (int32_t)period, (int32_t)repeat);
}
u32 Z_colonyZ_clock_timer_cancel(struct Z_colony_instance_t *ctx, u32 id) { return (u32)colony_clock_timer_cancel(AGENT, (int32_t)id); }
void Z_colonyZ_log_write(struct Z_colony_instance_t *ctx, u32 level, u32 p, u32 n) {
  colony_log_write(AGENT, (int32_t)level, p, n);
  CHECK();
}
u32 Z_colonyZ_sensor_open(struct Z_colony_instance_t *ctx, u32 p, u32 n) {
  u32 r = (u32)colony_sensor_open(AGENT, p, n);
  CHECK();
  return r;
}
u32 Z_colonyZ_sensor_read(struct Z_colony_instance_t *ctx, u32 h, u32 p, u32 max) {
  u32 r = (u32)colony_sensor_read(AGENT, (int32_t)h, p, (int32_t)max);
  CHECK();
  return r;
}
u32 Z_colonyZ_sensor_watch(struct Z_colony_instance_t *ctx, u32 h, u32 period) {
  return (u32)colony_sensor_watch(AGENT, (int32_t)h, (int32_t)period);
}
u32 Z_colonyZ_actuator_open(struct Z_colony_instance_t *ctx, u32 p, u32 n) {
  u32 r = (u32)colony_actuator_open(AGENT, p, n);
  CHECK();
  return r;
}
u32 Z_colonyZ_actuator_write(struct Z_colony_instance_t *ctx, u32 h, u32 p, u32 n) {
  u32 r = (u32)colony_actuator_write(AGENT, (int32_t)h, p, n);
  CHECK();
  return r;
}
u32 Z_colonyZ_model_invoke(struct Z_colony_instance_t *ctx, u32 np, u32 nn, u32 ip, u32 il, u32 op, u32 ol) {
  u32 r = (u32)colony_model_invoke(AGENT, np, nn, ip, il, op, ol);
  CHECK();
  return r;
}
u32 Z_colonyZ_bus_publish(struct Z_colony_instance_t *ctx, u32 tp, u32 tn, u32 bp, u32 bn, u32 qos) {
  u32 r = (u32)colony_bus_publish(AGENT, tp, tn, bp, bn, (int32_t)qos);
  CHECK();
  return r;
}
u32 Z_colonyZ_bus_subscribe(struct Z_colony_instance_t *ctx, u32 p, u32 n) {
  u32 r = (u32)colony_bus_subscribe(AGENT, p, n);
  CHECK();
  return r;
}
u32 Z_colonyZ_state_get(struct Z_colony_instance_t *ctx, u32 kp, u32 kn, u32 bp, u32 bn) {
  u32 r = (u32)colony_state_get(AGENT, kp, kn, bp, bn);
  CHECK();
  return r;
}
u32 Z_colonyZ_state_set(struct Z_colony_instance_t *ctx, u32 kp, u32 kn, u32 vp, u32 vn) {
  u32 r = (u32)colony_state_set(AGENT, kp, kn, vp, vn);
  CHECK();
  return r;
}
u32 Z_colonyZ_state_delete(struct Z_colony_instance_t *ctx, u32 kp, u32 kn) {
  u32 r = (u32)colony_state_delete(AGENT, kp, kn);
  CHECK();
  return r;
}
void Z_colonyZ_random_fill(struct Z_colony_instance_t *ctx, u32 p, u32 n) {
  colony_random_fill(AGENT, p, n);
  CHECK();
}
u32 Z_colonyZ_wallet_id(struct Z_colony_instance_t *ctx, u32 p, u32 n) {
  u32 r = (u32)colony_wallet_id(AGENT, p, n);
  CHECK();
  return r;
}
u32 Z_colonyZ_wallet_tx(struct Z_colony_instance_t *ctx, u32 kind, u32 tp, u32 tn, f64 amount, u32 rp, u32 rn, u32 ap, u32 an) {
  u32 r = (u32)colony_wallet_tx(AGENT, (int32_t)kind, tp, tn, amount, rp, rn, ap, an);
  CHECK();
  return r;
}
u32 Z_colonyZ_wallet_status(struct Z_colony_instance_t *ctx, u32 h) {
  u32 r = (u32)colony_wallet_status(AGENT, (int32_t)h);
  CHECK();
  return r;
}
f64 Z_colonyZ_wallet_balance(struct Z_colony_instance_t *ctx, u32 p, u32 n) {
  f64 r = colony_wallet_balance(AGENT, p, n);
  CHECK();
  return r;
}
