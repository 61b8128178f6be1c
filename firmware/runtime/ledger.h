/* The device's end of the site ledger, as host/economy/client.ts's LedgerClient: a signed
 * transaction goes out as this device's own sealed `ledger.tx` envelope {tx} on ledger/tx,
 * again every COLONY_LEDGER_RETRY_MS until the leader answers on ledger/ack/<device> with a
 * `ledger.ack` {txid, sig, height, term, hash, balance} or a `ledger.refused` {txid, sig,
 * reason, message}, or until COLONY_LEDGER_TIMEOUT_MS pass (refused, reason timeout). The
 * ledger applies a transaction delivered twice once, so resending is safe. Fixed tables: at
 * most COLONY_LEDGER_WAITING unanswered at a time, the last COLONY_LEDGER_KEPT handles'
 * answers remembered. An answer that does not open, is not an answer or is malformed is
 * dropped with a console line and counted; it never changes a handle.
 *
 * Nonces. The device keeps none across a restart, and reusing one would be refused as
 * replayed (or, for the very same payment signed again, answered settled with no money
 * moved). So once the link is up it asks the leader which nonce comes next: a `ledger.nonce`
 * {q} on ledger/tx, again every COLONY_LEDGER_RETRY_MS, answered on ledger/ack/<device> by a
 * `ledger.next` {q, next, balance, height}. q is this boot's challenge (see ledger.c); an
 * answer with another q is dropped. Transactions asked for before the answer wait unsigned
 * (their handle pending) and are signed, in order, with the nonces that follow. */
#ifndef COLONY_LEDGER_H
#define COLONY_LEDGER_H
#include <stdint.h>
#include "colony.h"

#define COLONY_LEDGER_WAITING 4
#define COLONY_LEDGER_KEPT 64
#define COLONY_LEDGER_RETRY_MS 200u
#define COLONY_LEDGER_TIMEOUT_MS 30000u
#define COLONY_LEDGER_WIRE_MAX 400 /* a transaction's wire form (wallet.c: body up to 320 bytes, sig 64) */
#define COLONY_LEDGER_FIELD_MAX 64 /* to, ref and arbiter of a transaction */
#define COLONY_LEDGER_CHALLENGE 16 /* bytes of a nonce question's q */

/* wallet_status's answers (host/kernel/abi.ts WalletStatus; refused is COLONY_EREFUSED) */
enum { COLONY_WALLET_PENDING = 0, COLONY_WALLET_SETTLED = 1 };

/* subscribes to ledger/ack/<device> once the link is up, when an agent holds the wallet
 * capability, and asks the leader which nonce comes next */
void colony_ledger_start(void);
/* 1 when a transaction can be taken now (a waiting slot is free) */
int colony_ledger_room(void);
/* takes a transaction of agent `agent` (kind as wallet.c's colony_wallet_wire names it; to,
 * ref and arbiter at most COLONY_LEDGER_FIELD_MAX bytes each) and signs and sends it once the
 * device knows its next nonce: its handle (> 0), COLONY_ENOSPACE (no waiting slot) or
 * COLONY_EINVALID (no keys, a field too long) */
int32_t colony_ledger_submit(int agent, const char *kind, const uint8_t *to, uint32_t tn, uint64_t amount, const uint8_t *ref, uint32_t rn, const uint8_t *arb, uint32_t an);
/* 1 once the leader has said which nonce comes next */
int colony_ledger_synced(void);
/* resends what waits and times out what waited too long; runtime.c's loop calls it */
void colony_ledger_poll(void);
/* an envelope received on ledger/ack/<device> */
void colony_ledger_answer(const uint8_t *env, uint32_t n);
/* COLONY_WALLET_SETTLED / COLONY_WALLET_PENDING / COLONY_EREFUSED, COLONY_ENOTFOUND for a handle not kept */
int32_t colony_ledger_status(uint32_t handle);
/* this device's balance as the last settled answer gave it; NaN before one */
double colony_ledger_balance(void);
/* answers dropped (unopenable, not an answer, malformed) since boot */
uint32_t colony_ledger_ignored(void);
#endif
