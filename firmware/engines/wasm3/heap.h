/* wasm3's allocations come from here, not the C heap: a static pool whose freed blocks are
 * merged and reused, so an agent restarted any number of times needs the same memory.
 * wasm3's m3_core.c calls calloc/realloc/free; the build renames those three to these
 * (host/firmware/compile/wasm3.ts), which also defines COLONY_WASM3_POOL; a build without it
 * (ESP-IDF's CMake today) leaves wasm3 on the C heap. */
#ifndef COLONY_WASM3_HEAP_H
#define COLONY_WASM3_HEAP_H
#include <stddef.h>
#include <stdint.h>

#ifndef COLONY_WASM3_HEAP
#define COLONY_WASM3_HEAP (1024u * 1024u)
#endif

void *colony_w3_calloc(size_t n, size_t size);
void *colony_w3_realloc(void *p, size_t size);
void colony_w3_free(void *p);
/* bytes in use now, the most ever in use, and the pool's size */
typedef struct { uint32_t used, peak, size; } colony_w3_heap_stats_t;
colony_w3_heap_stats_t colony_w3_heap_stats(void);
#endif
