/* The native engine: an agent's .wasm compiled to C by wasm2c and linked into
 * the firmware. The firmware build generates one small glue file per agent
 * that fills a native_module_t with that agent's wasm2c entry points. */
#ifndef COLONY_NATIVE_H
#define COLONY_NATIVE_H
#include <stdint.h>
#include "../engine.h"
#include "wasm-rt.h"

typedef struct {
  void (*init_module)(void);
  void (*instantiate)(void *colony_ctx);
  void (*free)(void);
  uint32_t (*abi)(void);
  uint32_t (*inbox)(uint32_t len);
  uint32_t (*init)(void);
  uint32_t (*on_event)(uint32_t kind, uint32_t ptr, uint32_t len);
  uint32_t (*snapshot)(void);                 /* NULL when not exported */
  uint32_t (*restore)(uint32_t ptr, uint32_t len);
  uint32_t *(*fuel)(void);
  wasm_rt_memory_t *(*memory)(void);
  uint8_t *arena;                              /* linear memory: memory_pages * 64 KiB */
  uint32_t arena_pages;
  void *table_storage;                         /* funcref table elements */
  uint32_t table_capacity;
} native_module_t;

extern const colony_engine_t colony_engine_native;

/* the bare runtime (wasm_rt_bare.c): where the next instantiate allocates */
void nrt_bind(uint8_t *arena, uint32_t pages, void *table_storage, uint32_t table_capacity);
#endif
