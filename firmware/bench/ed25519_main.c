/* Measures the firmware's Ed25519 on a board: the public key, a signature and
 * a verification of a 128-byte message (an envelope's signed bytes are about
 * that long), each timed with the port's ticks after one warm-up call (which
 * also builds the base point table). Checks RFC 8032's TEST 1 first, so a
 * figure is only printed for a correct implementation. bench/firmware.ts
 * builds and runs it under QEMU -icount. */
#include <string.h>
#include "colony.h"
#include "crypto.h"
#include "port.h"

static const uint8_t seed1[32] = {0x9d,0x61,0xb1,0x9d,0xef,0xfd,0x5a,0x60,0xba,0x84,0x4a,0xf4,0x92,0xec,0x2c,0xc4,0x44,0x49,0xc5,0x69,0x7b,0x32,0x69,0x19,0x70,0x3b,0xac,0x03,0x1c,0xae,0x7f,0x60};
static const uint8_t sig1_head[8] = {0xe5,0x56,0x43,0x00,0xc3,0x60,0xac,0x72};

int main(void) {
  uint8_t pub[32], sig[64], msg[128];
  port_init();
  colony_ed25519_public(pub, seed1); /* warm-up, and the table */
  colony_ed25519_sign(sig, NULL, 0, seed1, pub);
  if (memcmp(sig, sig1_head, 8) != 0 || !colony_ed25519_verify(sig, NULL, 0, pub)) { colony_printf("ed25519 RFC 8032 TEST 1 failed\n"); return 1; }
  for (int i = 0; i < 128; i++) msg[i] = (uint8_t)(i * 7 + 1);
  uint64_t t0 = port_ticks();
  colony_ed25519_public(pub, seed1);
  uint64_t t1 = port_ticks();
  colony_ed25519_sign(sig, msg, sizeof msg, seed1, pub);
  uint64_t t2 = port_ticks();
  int ok = colony_ed25519_verify(sig, msg, sizeof msg, pub);
  uint64_t t3 = port_ticks();
  msg[5] ^= 1;
  int refused = !colony_ed25519_verify(sig, msg, sizeof msg, pub);
  uint8_t h[32];
  uint64_t t4 = port_ticks();
  colony_sha256(msg, sizeof msg, h);
  uint64_t t5 = port_ticks();
  colony_printf("ed25519 public=%L sign=%L verify=%L sha256_128=%L ticks_hz=%u ok=%d refused=%d\n", t1 - t0, t2 - t1, t3 - t2, t5 - t4, (unsigned)port_ticks_hz(), ok, refused);
  return ok && refused ? 0 : 2;
}
