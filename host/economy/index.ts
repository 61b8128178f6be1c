// The economy's ledger: signed transactions (transfers, IOUs with bounded credit, escrow
// locks and settlements), the state rules that keep money from being made or spent twice,
// a hash-chained leader-signed chain and its crash-safe journal; the site's replicated ledger
// nodes (elected leader, majority settlement) and a device's client and wallet.
export { openTx, signTx, txId, TxRefused, TX_VERSION, type Refusal, type SignedTx, type TxBody, type TxKind } from "./tx.ts";
export { LedgerState, type Applied, type Escrow, type LedgerRules } from "./state.ts";
export { Chain, EntryError, GENESIS, makeEntry, openEntry, type Entry } from "./chain.ts";
export { Journal, type Recovery } from "./journal.ts";
export { LedgerNode, LEDGER_ROLE, type LedgerNodeOptions, type LedgerRole } from "./node.ts";
export { LedgerClient, type Ack, type NextNonce, type Refused, type Settlement, type LedgerClientOptions } from "./client.ts";
export { Wallet, type WalletOptions } from "./wallet.ts";
export { TX_TOPIC, ENTRY_TOPIC, haveTopic, RECOVER_TOPIC, ackTopic, syncTopic, fetchTopic, supplyTopic, KIND as LEDGER_KIND } from "./messages.ts";
export { LocalLedger, type LedgerAck, type LedgerRefusal, type LedgerSettlement, type SiteLedger } from "./site-ledger.ts";
export { ReplicatedLedger, type ReplicatedLedgerOptions } from "./replicated-ledger.ts";
export { DeviceWallet } from "./device-wallet.ts";
export { readLedger, type LedgerView } from "./ledger-view.ts";
