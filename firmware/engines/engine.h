/* The one C interface every engine implements (native wasm2c, wasm3).
 * Calls return 0 or a trap message; the runtime reads the fuel after a trap to
 * tell fuel exhaustion (colony_fuel < 0) from any other trap. */
#ifndef COLONY_ENGINE_H
#define COLONY_ENGINE_H
#include <stdint.h>
struct colony_agent;

typedef enum { EXPORT_ABI = 0, EXPORT_INBOX, EXPORT_INIT, EXPORT_ON_EVENT, EXPORT_SNAPSHOT, EXPORT_RESTORE } colony_export_t;

typedef struct colony_engine {
  const char *name;
  /* once per boot, before any instantiate */
  int (*setup)(struct colony_agent *a, const char **err);
  /* a fresh instance (again after a fault): memory re-initialized from the module */
  int (*instantiate)(struct colony_agent *a, const char **err);
  /* call an export with up to 3 i32 arguments; *result gets its i32 result */
  const char *(*call)(struct colony_agent *a, colony_export_t ex, const uint32_t *args, int nargs, int32_t *result);
  int (*has_export)(struct colony_agent *a, colony_export_t ex);
  uint8_t *(*memory)(struct colony_agent *a, uint32_t *size);
  int32_t (*get_fuel)(struct colony_agent *a);
  void (*set_fuel)(struct colony_agent *a, int32_t fuel);
} colony_engine_t;
#endif
