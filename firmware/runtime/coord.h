/* Agents in the coordination protocols (docs/protocol.md, "From AssemblyScript"): the
 * rules of host/coordination/agentport.ts's CoordBusPort, byte for byte, for a device
 * that seals its own envelopes. On a coord/ topic an agent's CBOR map names the envelope
 * kind in `kind` and the rest of the map is the body; "$device" as a topic level or a
 * top-level text value becomes this device's id; presence.*, leader.* and lease.state
 * are retained; deliveries get `kind`, `from` and `me`. Maps are rewritten as the host's
 * CBOR (cbor-x) rewrites them, so the signed bytes are the host's. No heap: one static
 * buffer per direction. */
#ifndef COLONY_COORD_H
#define COLONY_COORD_H
#include <stdint.h>
#include "envelope.h"

/* refusal reasons, as CoordBusPort.refused names them */
enum { COLONY_COORD_MALFORMED_BODY, COLONY_COORD_NOT_A_MAP, COLONY_COORD_BAD_KIND, COLONY_COORD_BAD_TOPIC, COLONY_COORD_TOO_LARGE, COLONY_COORD_REASONS };

/* 1 when rel (a site-relative topic) is coord or under coord/ */
int colony_coord_topic(const char *rel, uint32_t rn);
/* rel with each "$device" level replaced by this device's id: the length in out, 0 when it does not fit */
uint32_t colony_coord_device_topic(const char *rel, uint32_t rn, char *out, uint32_t cap);
/* Seals an agent's publish on a coord/ topic. Returns the envelope's length in out with
 * the topic to publish on (rel with $device replaced) in topic/tn and whether to retain;
 * or a negative COLONY_E* when refused, after a console line "agent message refused: ...". */
int32_t colony_coord_seal(const colony_envelope_t *e, const char *agent, const char *rel, uint32_t rn, const uint8_t *body, uint32_t bn,
                          char *topic, uint32_t topic_cap, uint32_t *tn, int *retain, uint8_t *out, uint32_t cap);
/* Opens an envelope received on a coord/ topic: 0 and what the agents get (a bus.msg's
 * data; a coordination kind's body with kind, from and me), 1 nothing to deliver (an own
 * bus.msg, a kind agents do not take), negative refused with why (envelope.h's problems). */
int32_t colony_coord_open(const colony_envelope_t *e, const char *rel, uint32_t rn, const uint8_t *env, uint32_t n,
                          const uint8_t **data, uint32_t *dn, char *why, uint32_t why_cap);
/* agent messages refused on the way out since boot, by reason */
uint32_t colony_coord_refused(int reason);
#endif
