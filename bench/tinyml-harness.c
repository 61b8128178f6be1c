/* Times the inference core compiled natively (wasm2c + gcc -O2): the same kernels the V8 run uses.
   Usage: harness <model.cml> <input.bin> <golden.bin> <min-seconds>
   Prints: "<equal 0|1> <inferences> <seconds>" */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "core.h"

static unsigned char* read_all(const char* path, long* len) {
  FILE* f = fopen(path, "rb");
  if (!f) { perror(path); exit(2); }
  fseek(f, 0, SEEK_END);
  *len = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char* buf = malloc(*len > 0 ? *len : 1);
  if (fread(buf, 1, *len, f) != (size_t)*len) { perror(path); exit(2); }
  fclose(f);
  return buf;
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char** argv) {
  if (argc != 5) { fprintf(stderr, "usage: %s model.cml input.bin golden.bin seconds\n", argv[0]); return 2; }
  long model_len, in_len, golden_len;
  unsigned char* model = read_all(argv[1], &model_len);
  unsigned char* input = read_all(argv[2], &in_len);
  unsigned char* golden = read_all(argv[3], &golden_len);
  double min_seconds = atof(argv[4]);
  wasm_rt_init();
  Z_core_init_module();
  Z_core_instance_t core;
  Z_core_instantiate(&core);
  u32 at = Z_coreZ_model_buffer(&core, (u32)model_len);
  memcpy(core.w2c_memory.data + at, model, model_len);
  int status = (int)Z_coreZ_load_model(&core);
  if (status != 0) { fprintf(stderr, "load_model: %d\n", status); return 1; }
  u32 in_at = Z_coreZ_input_ptr(&core, 0);
  memcpy(core.w2c_memory.data + in_at, input, in_len);
  Z_coreZ_invoke(&core);
  int equal = memcmp(core.w2c_memory.data + Z_coreZ_output_ptr(&core, 0), golden, golden_len) == 0;
  long n = 0;
  double t0 = now(), t;
  do {
    /* The arena reuses the input's bytes: copy the input in for every inference, as the host does. */
    memcpy(core.w2c_memory.data + in_at, input, in_len);
    Z_coreZ_invoke(&core);
    n++;
    t = now() - t0;
  } while (t < min_seconds);
  printf("%d %ld %.9f\n", equal, n, t);
  Z_core_free(&core);
  wasm_rt_free();
  return 0;
}
