/* A bare-metal implementation of wasm2c's runtime interface (wasm-rt.h) for
 * the firmware: linear memory and tables come from static arenas bound before
 * each instantiate, traps longjmp to the engine's last setjmp. No malloc, no
 * mmap, no signals: wasm2c's generated code checks every memory access itself
 * on 32-bit targets. */
#include <stdarg.h>
#include <string.h>
#include "wasm-rt.h"
#include "native.h"

uint32_t wasm_rt_call_stack_depth;
static jmp_buf *unwind;
static uint8_t *next_arena;
static uint32_t next_pages;
static void *next_table;
static uint32_t next_table_cap;
static int initialized;

/* function types: each distinct signature gets an index, compared by call_indirect */
#define MAX_TYPES 96
#define MAX_TYPE_ARITY 16
static uint8_t types[MAX_TYPES][MAX_TYPE_ARITY + 2];
static uint32_t n_types;

void nrt_bind(uint8_t *arena, uint32_t pages, void *table_storage, uint32_t table_capacity) {
  next_arena = arena;
  next_pages = pages;
  next_table = table_storage;
  next_table_cap = table_capacity;
}

void wasm_rt_init(void) { initialized = 1; }
bool wasm_rt_is_initialized(void) { return initialized != 0; }
void wasm_rt_free(void) { initialized = 0; }

void wasm_rt_set_unwind_target(WASM_RT_UNWIND_TARGET *target) { unwind = target; }
WASM_RT_UNWIND_TARGET *wasm_rt_get_unwind_target(void) { return unwind; }

void wasm_rt_trap(wasm_rt_trap_t code) {
  wasm_rt_call_stack_depth = 0;
  longjmp(*unwind, (int)code);
}

const char *wasm_rt_strerror(wasm_rt_trap_t trap) {
  switch (trap) {
    case WASM_RT_TRAP_NONE: return "no trap";
    case WASM_RT_TRAP_OOB: return "out-of-bounds memory access";
    case WASM_RT_TRAP_INT_OVERFLOW: return "integer overflow";
    case WASM_RT_TRAP_DIV_BY_ZERO: return "integer divide by zero";
    case WASM_RT_TRAP_INVALID_CONVERSION: return "invalid conversion to integer";
    case WASM_RT_TRAP_UNREACHABLE: return "unreachable executed";
    case WASM_RT_TRAP_CALL_INDIRECT: return "indirect call signature mismatch";
    case WASM_RT_TRAP_EXHAUSTION: return "call stack exhausted";
    default: return "trap";
  }
}

/* Enum arguments arrive promoted to int through `...`: read them as int, so the
 * result is right whatever size the compiler gives the enum. */
uint32_t wasm_rt_register_func_type(uint32_t params, uint32_t results, ...) {
  uint8_t sig[MAX_TYPE_ARITY + 2];
  va_list ap;
  memset(sig, 0xff, sizeof sig);
  sig[0] = (uint8_t)params;
  sig[1] = (uint8_t)results;
  va_start(ap, results);
  for (uint32_t i = 0; i < params + results; i++) {
    int t = va_arg(ap, int);
    if (i < MAX_TYPE_ARITY) sig[2 + i] = (uint8_t)t;
  }
  va_end(ap);
  for (uint32_t i = 0; i < n_types; i++)
    if (memcmp(types[i], sig, sizeof sig) == 0) return i;
  if (n_types == MAX_TYPES || params + results > MAX_TYPE_ARITY) wasm_rt_trap(WASM_RT_TRAP_CALL_INDIRECT);
  memcpy(types[n_types], sig, sizeof sig);
  return n_types++;
}

void wasm_rt_allocate_memory(wasm_rt_memory_t *mem, uint32_t initial_pages, uint32_t max_pages) {
  if (initial_pages > next_pages) wasm_rt_trap(WASM_RT_TRAP_OOB);
  mem->data = next_arena;
  mem->pages = initial_pages;
  mem->max_pages = max_pages < next_pages ? max_pages : next_pages;
  mem->size = initial_pages * 65536u;
  memset(mem->data, 0, mem->size);
}

uint32_t wasm_rt_grow_memory(wasm_rt_memory_t *mem, uint32_t delta) {
  uint32_t old = mem->pages;
  if (delta > mem->max_pages - old) return (uint32_t)-1;
  memset(mem->data + mem->size, 0, delta * 65536u);
  mem->pages = old + delta;
  mem->size = mem->pages * 65536u;
  return old;
}

void wasm_rt_free_memory(wasm_rt_memory_t *mem) { (void)mem; }

void wasm_rt_allocate_funcref_table(wasm_rt_funcref_table_t *table, uint32_t elements, uint32_t max_elements) {
  (void)max_elements;
  if (elements > next_table_cap) wasm_rt_trap(WASM_RT_TRAP_OOB);
  table->data = (wasm_rt_funcref_t *)next_table;
  table->size = elements;
  table->max_size = elements;
  memset(table->data, 0, elements * sizeof(wasm_rt_funcref_t));
}

void wasm_rt_free_funcref_table(wasm_rt_funcref_table_t *table) { (void)table; }

uint32_t wasm_rt_grow_funcref_table(wasm_rt_funcref_table_t *table, uint32_t delta, wasm_rt_funcref_t init) {
  (void)table; (void)delta; (void)init;
  return (uint32_t)-1;
}

void wasm_rt_allocate_externref_table(wasm_rt_externref_table_t *table, uint32_t elements, uint32_t max_elements) {
  (void)max_elements;
  if (elements) wasm_rt_trap(WASM_RT_TRAP_OOB);
  table->data = NULL;
  table->size = table->max_size = 0;
}

void wasm_rt_free_externref_table(wasm_rt_externref_table_t *table) { (void)table; }

uint32_t wasm_rt_grow_externref_table(wasm_rt_externref_table_t *table, uint32_t delta, wasm_rt_externref_t init) {
  (void)table; (void)delta; (void)init;
  return (uint32_t)-1;
}
