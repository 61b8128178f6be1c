/* Signed ledger transactions on the firmware, byte for byte as host/economy/tx.ts builds
 * them: the signed bytes are the CBOR array [1, kind, from, to, amount, nonce, ref, arbiter]
 * (integers and text in their shortest form, so both sides rebuild the same bytes), signed
 * with the device's Ed25519 seed; the wire form is [bytes, sig]. */
#include <string.h>
#include "colony.h"
#include "../crypto/crypto.h"

int32_t colony_wallet_wire(uint8_t *out, uint32_t cap, const char *kind, const char *from, const uint8_t *to, uint32_t tn, uint64_t amount,
                           uint64_t nonce, const uint8_t *ref, uint32_t rn, const uint8_t *arb, uint32_t an, const uint8_t seed[32], const uint8_t pub[32]) {
  uint8_t body[320], sig[64];
  colony_cbor_wr_t w = {body, 0, sizeof body, 0};
  colony_cbor_head(&w, 4, 8);
  colony_cbor_head(&w, 0, 1);
  colony_cbor_text(&w, kind, (uint32_t)strlen(kind));
  colony_cbor_text(&w, from, (uint32_t)strlen(from));
  colony_cbor_text(&w, (const char *)to, tn);
  colony_cbor_head(&w, 0, amount);
  colony_cbor_head(&w, 0, nonce);
  colony_cbor_text(&w, (const char *)ref, rn);
  colony_cbor_text(&w, (const char *)arb, an);
  if (w.over) return COLONY_ENOSPACE;
  colony_ed25519_sign(sig, body, w.n, seed, pub);
  colony_cbor_wr_t o = {out, 0, cap, 0};
  colony_cbor_head(&o, 4, 2);
  colony_cbor_bytes(&o, body, w.n);
  colony_cbor_bytes(&o, sig, 64);
  return o.over ? COLONY_ENOSPACE : (int32_t)o.n;
}
