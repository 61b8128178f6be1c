/* The simulated hardware of the QEMU boards: accel0, a deterministic
 * vibration waveform (integer arithmetic only, so the host's test double
 * reproduces every sample bit for bit), and valve0, an actuator that prints
 * its commands. Sample k at 1 kHz: a triangle wave of period 20 samples plus
 * hashed noise, its amplitude raised to 2.0 between 2 s and 4 s (a fault). */
#include <string.h>
#include "colony.h"

#define RATE_HZ 1000u

static const char *const sensor_names[] = {"accel0"};
static const char *const actuator_names[] = {"valve0"};

static int lookup(const char *const *names, int count, const char *name, uint32_t n) {
  for (int i = 0; i < count; i++)
    if (strlen(names[i]) == n && memcmp(names[i], name, n) == 0) return i;
  return -1;
}

int colony_board_sensor(const char *name, uint32_t n) { return lookup(sensor_names, 1, name, n); }
const char *colony_board_sensor_name(int idx) { return sensor_names[idx]; }
int colony_board_actuator(const char *name, uint32_t n) { return lookup(actuator_names, 1, name, n); }

static float sample(int64_t k) {
  uint32_t u = (uint32_t)k;
  int32_t phase = (int32_t)(u % 20u);              /* 0..19 */
  int32_t tri = phase < 10 ? phase * 200 - 1000 : (20 - phase) * 200 - 1000; /* -1000..1000 */
  uint32_t h = u * 2654435761u;
  h ^= h >> 15;
  int32_t noise = (int32_t)(h % 201u) - 100;      /* -100..100 */
  int32_t amp = (k >= 2000 && k < 4000) ? 2 : 1;
  return (float)(amp * tri + noise) / 1024.0f;
}

int64_t colony_board_sensor_last(int idx, uint64_t now_ms) {
  (void)idx;
  return (int64_t)(now_ms * RATE_HZ / 1000u);
}

float colony_board_sensor_sample(int idx, int64_t k) {
  (void)idx;
  return sample(k);
}

int colony_board_actuator_write(int idx, colony_agent_t *a, const uint8_t *cmd, uint32_t n) {
  colony_printf("act %s %s ", a->spec->name, actuator_names[idx]);
  colony_hex(cmd, n);
  colony_printf("\n");
  return 0;
}
