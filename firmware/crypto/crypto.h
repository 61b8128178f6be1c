/* The firmware's cryptography, written here from the specifications:
 * SHA-256 and SHA-512 (FIPS 180-4), Ed25519 (RFC 8032). C99, no heap,
 * constant time where a secret is involved (signing). */
#ifndef COLONY_CRYPTO_H
#define COLONY_CRYPTO_H
#include <stddef.h>
#include <stdint.h>

typedef struct { uint32_t h[8]; uint64_t bytes; uint8_t buf[64]; uint32_t fill; } colony_sha256_t;
void colony_sha256_init(colony_sha256_t *c);
void colony_sha256_update(colony_sha256_t *c, const uint8_t *p, size_t n);
void colony_sha256_final(colony_sha256_t *c, uint8_t out[32]);
void colony_sha256(const uint8_t *p, size_t n, uint8_t out[32]);

typedef struct { uint64_t h[8]; uint64_t bytes; uint8_t buf[128]; uint32_t fill; } colony_sha512_t;
void colony_sha512_init(colony_sha512_t *c);
void colony_sha512_update(colony_sha512_t *c, const uint8_t *p, size_t n);
void colony_sha512_final(colony_sha512_t *c, uint8_t out[64]);

/* Ed25519 with 32-byte seeds (RFC 8032 private keys) and 32-byte public keys. */
void colony_ed25519_public(uint8_t pub[32], const uint8_t seed[32]);
void colony_ed25519_sign(uint8_t sig[64], const uint8_t *msg, size_t n, const uint8_t seed[32], const uint8_t pub[32]);
/* 1 when sig is a valid signature of msg by pub, else 0 (also for a malformed key or signature). */
int colony_ed25519_verify(const uint8_t sig[64], const uint8_t *msg, size_t n, const uint8_t pub[32]);
#endif
