/* Signed envelopes on the link (docs/protocol.md, "Envelope"): what the
 * device's agents publish leaves as a CBOR map {v, from, seq, ts, kind, body, sig}
 * signed with the device's Ed25519 key, kind "bus.msg" with body
 * {agent, data} as host/net's SealedBusPort seals it; what arrives is opened
 * (well-formed, a known sender, a valid signature, fresh by the sender's
 * replay window, a bus.msg body) before any local agent sees it.
 * The build (colony firmware build --seed/--key/--trust) generates the one
 * colony_envelope_t and points colony_config.envelope at it. */
#ifndef COLONY_ENVELOPE_H
#define COLONY_ENVELOPE_H
#include <stdint.h>
#include "colony.h"

#define COLONY_ENVELOPE_VERSION 1
#define COLONY_MAX_PEERS 16      /* senders remembered (key and replay window) */
#define COLONY_REPLAY_WINDOW 64  /* seqs below the highest seen that may still arrive once */
#define COLONY_PEER_ID_MAX 48

typedef struct {
  char id[COLONY_PEER_ID_MAX]; uint8_t id_len;
  uint8_t pub[32];
  uint64_t highest, seen;  /* seen: bit i set when highest - i was accepted */
  uint8_t used, derived;
} colony_peer_t;

typedef struct colony_envelope {
  const uint8_t *seed;                 /* this device's 32-byte Ed25519 seed */
  const uint8_t *pub;                  /* and its public key */
  const char *const *trusted_ids;      /* public keys given at build time */
  const uint8_t (*trusted_keys)[32];
  uint8_t n_trusted;
  /* "colony-sim/<seed>/": a sender without a trusted key gets the key the
   * simulator derives (SHA-256 of this prefix and its id as the seed); NULL: none */
  const char *derive_prefix;
  uint64_t seq_base;                   /* the first envelope has seq_base + 1 */
  /* called by mqttsn.c through these, so the link builds without envelope.c in tests of the codec alone */
  int32_t (*seal)(const struct colony_envelope *e, const char *agent, const uint8_t *data, uint32_t dn, uint8_t *out, uint32_t cap);
  int32_t (*open)(const struct colony_envelope *e, const uint8_t *env, uint32_t n, const uint8_t **data, uint32_t *dn, char *why, uint32_t why_cap);
} colony_envelope_t;

/* seals an agent's message body: the envelope's length in out, or COLONY_ENOSPACE */
int32_t colony_envelope_seal(const colony_envelope_t *e, const char *agent, const uint8_t *data, uint32_t dn, uint8_t *out, uint32_t cap);
/* 0 and the agent's body (pointing into env) when the envelope is accepted; otherwise
 * COLONY_EINVALID / COLONY_EDENIED with a line in why naming the problem as host/net's
 * EnvelopeError does (malformed-cbor, not-a-map, bad-field, unsupported-version,
 * unknown-sender, bad-signature, replay, malformed-body, not-bus-msg); 1 (nothing to
 * deliver, nothing wrong) for this device's own envelope echoed back by the broker */
int32_t colony_envelope_open(const colony_envelope_t *e, const uint8_t *env, uint32_t n, const uint8_t **data, uint32_t *dn, char *why, uint32_t why_cap);
/* seals any kind (coord.c): body is the kind's body, already CBOR */
int32_t colony_envelope_seal_kind(const colony_envelope_t *e, const char *kind, uint32_t kn, const uint8_t *body, uint32_t bn, uint8_t *out, uint32_t cap);

/* an accepted envelope's fields, pointing into the envelope */
typedef struct { const uint8_t *from, *kind, *body; uint32_t fn, kn, bn; } colony_opened_t;
#define COLONY_OPEN_OWN 1             /* open this device's own envelopes too (signature, window) */
#define COLONY_OPEN_GONE_IDEMPOTENT 2 /* presence.gone skips the replay window (a will) */
/* colony_envelope_open's checks for any kind: 0 accepted (a body of one CBOR item), 1 this
 * device's own (accepted when COLONY_OPEN_OWN, else not checked), negative refused with why */
int32_t colony_envelope_open_any(const colony_envelope_t *e, const uint8_t *env, uint32_t n, unsigned flags, colony_opened_t *o, char *why, uint32_t why_cap);
/* the data of an opened bus.msg: 0, or COLONY_EINVALID (not-bus-msg) with why */
int32_t colony_envelope_bus_body(const colony_opened_t *o, const uint8_t **data, uint32_t *dn, char *why, uint32_t why_cap);
/* the last seq sealed; envelopes refused, by any reason, since boot */
uint64_t colony_envelope_last_seq(void);
uint32_t colony_envelope_refused(void);
#endif
