/* Measures one inference of the TinyML core (host/tinyml's core.wasm through
 * wasm2c, on the native engine's bare runtime) on a board: loads the compiled
 * model, runs the input once to warm up, times the second run with the port's
 * ticks, compares the output with TFLM's golden bytes. bench/firmware.ts
 * builds it with the model and vectors as generated C arrays. */
#include <setjmp.h>
#include <string.h>
#include "core.h"
#include "native.h"
#include "colony.h"
#include "port.h"

extern const unsigned char kws_model[], kws_input[], kws_golden[];
extern const unsigned int kws_model_len, kws_input_len, kws_golden_len;

#define PAGES 24
static uint8_t arena[PAGES * 65536u] __attribute__((aligned(16)));
static wasm_rt_funcref_t table[64];
static Z_core_instance_t core;

int main(void) {
  jmp_buf jb;
  port_init();
  wasm_rt_init();
  Z_core_init_module();
  nrt_bind(arena, PAGES, table, 64);
  int code = setjmp(jb);
  if (code) {
    colony_printf("kws trap %s\n", wasm_rt_strerror((wasm_rt_trap_t)code));
    return 1;
  }
  wasm_rt_set_unwind_target(&jb);
  Z_core_instantiate(&core);
  uint32_t at = Z_coreZ_model_buffer(&core, kws_model_len);
  memcpy(core.w2c_memory.data + at, kws_model, kws_model_len);
  int status = (int)Z_coreZ_load_model(&core);
  if (status != 0) { colony_printf("kws load_model %d\n", status); return 1; }
  uint32_t in = Z_coreZ_input_ptr(&core, 0);
  memcpy(core.w2c_memory.data + in, kws_input, kws_input_len);
  Z_coreZ_invoke(&core);
  memcpy(core.w2c_memory.data + in, kws_input, kws_input_len);
  uint64_t t0 = port_ticks();
  Z_coreZ_invoke(&core);
  uint64_t t1 = port_ticks();
  int equal = memcmp(core.w2c_memory.data + Z_coreZ_output_ptr(&core, 0), kws_golden, kws_golden_len) == 0;
  colony_printf("kws ticks=%L ticks_hz=%u equal=%d memory=%u\n", t1 - t0, (unsigned)port_ticks_hz(), equal, core.w2c_memory.size);
  return equal ? 0 : 2;
}
