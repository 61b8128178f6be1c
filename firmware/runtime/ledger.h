/* The device's end of the site ledger, as host/economy/client.ts's LedgerClient: a signed
 * transaction goes out as this device's own sealed `ledger.tx` envelope {tx} on ledger/tx,
 * again every COLONY_LEDGER_RETRY_MS until the leader answers on ledger/ack/<device> with a
 * `ledger.ack` {txid, sig, height, term, hash, balance} or a `ledger.refused` {txid, sig,
 * reason, message}, or until COLONY_LEDGER_TIMEOUT_MS pass (refused, reason timeout). The
 * ledger applies a transaction delivered twice once, so resending is safe. Fixed tables: at
 * most COLONY_LEDGER_WAITING unanswered at a time, the last COLONY_LEDGER_KEPT handles'
 * answers remembered. An answer that does not open, is not an answer or is malformed is
 * dropped with a console line and counted; it never changes a handle. */
#ifndef COLONY_LEDGER_H
#define COLONY_LEDGER_H
#include <stdint.h>
#include "colony.h"

#define COLONY_LEDGER_WAITING 4
#define COLONY_LEDGER_KEPT 64
#define COLONY_LEDGER_RETRY_MS 200u
#define COLONY_LEDGER_TIMEOUT_MS 30000u
#define COLONY_LEDGER_WIRE_MAX 400 /* a transaction's wire form (wallet.c: body up to 320 bytes, sig 64) */

/* wallet_status's answers (host/kernel/abi.ts WalletStatus; refused is COLONY_EREFUSED) */
enum { COLONY_WALLET_PENDING = 0, COLONY_WALLET_SETTLED = 1 };

/* subscribes to ledger/ack/<device> once the link is up, when an agent holds the wallet capability */
void colony_ledger_start(void);
/* 1 when a transaction can be taken now (a waiting slot is free) */
int colony_ledger_room(void);
/* takes transaction `handle` (its nonce) of agent `agent` and sends it: 0, or COLONY_ENOSPACE */
int32_t colony_ledger_submit(int agent, uint32_t handle, const uint8_t *wire, uint32_t n);
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
