/* The wasm3 pool (heap.h): blocks laid end to end, each with an 8-byte header (size
 * including the header, and whether it is in use). First fit, split what is left over,
 * merge free neighbours on free. Single-threaded, as the runtime is. */
#include <string.h>
#include "heap.h"
#ifdef COLONY_WASM3_POOL /* the build renames wasm3's calloc/realloc/free to these (wasm3.ts) */

typedef struct { uint32_t size, used; } block_t;
#define HDR ((uint32_t)sizeof(block_t))
#define ALIGN 8u

static uint64_t pool_words[COLONY_WASM3_HEAP / 8];
static uint8_t *const pool = (uint8_t *)pool_words;
static uint32_t in_use, peak;

static block_t *at(uint32_t off) { return (block_t *)(pool + off); }

static void init(void) {
  if (at(0)->size) return;
  at(0)->size = (uint32_t)sizeof pool_words;
  at(0)->used = 0;
}

/* Merges every run of free blocks (few blocks: a linear pass is cheap). */
static void merge(void) {
  for (uint32_t off = 0; off < sizeof pool_words; off += at(off)->size) {
    block_t *b = at(off);
    if (b->used) continue;
    while (off + b->size < sizeof pool_words && !at(off + b->size)->used) b->size += at(off + b->size)->size;
  }
}

static void *alloc(size_t n) {
  init();
  if (n > sizeof pool_words) return 0;
  uint32_t need = ((uint32_t)n + HDR + ALIGN - 1) / ALIGN * ALIGN;
  for (uint32_t off = 0; off < sizeof pool_words; off += at(off)->size) {
    block_t *b = at(off);
    if (b->used || b->size < need) continue;
    if (b->size - need >= HDR + ALIGN) {
      block_t *rest = at(off + need);
      rest->size = b->size - need;
      rest->used = 0;
      b->size = need;
    }
    b->used = 1;
    in_use += b->size;
    if (in_use > peak) peak = in_use;
    return b + 1;
  }
  return 0;
}

void *colony_w3_calloc(size_t n, size_t size) {
  if (size && n > (size_t)-1 / size) return 0;
  void *p = alloc(n * size);
  if (p) memset(p, 0, n * size);
  return p;
}

void colony_w3_free(void *p) {
  if (!p) return;
  block_t *b = (block_t *)p - 1;
  b->used = 0;
  in_use -= b->size;
  merge();
}

void *colony_w3_realloc(void *p, size_t size) {
  if (!p) return colony_w3_calloc(1, size);
  block_t *b = (block_t *)p - 1;
  uint32_t have = b->size - HDR;
  if (size <= have) return p;
  void *q = alloc(size);
  if (!q) return 0;
  memcpy(q, p, have);
  colony_w3_free(p);
  return q;
}

colony_w3_heap_stats_t colony_w3_heap_stats(void) {
  colony_w3_heap_stats_t s = {in_use, peak, (uint32_t)sizeof pool_words};
  return s;
}
#endif
