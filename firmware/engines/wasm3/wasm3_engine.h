/* The wasm3 engine: the agent's .wasm interpreted on the device. wasm3's
 * sources come from WASM3_DIR at build time; none are in this repository. */
#ifndef COLONY_WASM3_ENGINE_H
#define COLONY_WASM3_ENGINE_H
#include "../engine.h"

/* per agent, static; the handles point into wasm3's own allocations */
typedef struct {
  void *runtime;
  void *module;
  void *fn[6];   /* indexed by colony_export_t */
  void *fuel;
} colony_wasm3_state_t;

extern const colony_engine_t colony_engine_wasm3;
#endif
