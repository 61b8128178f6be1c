/* Over-the-air agent updates on the device (docs/bundle.md, "On the firmware"):
 * signed bundles checked as host/ota checks them, two slots per agent on NOR
 * flash, and every write journaled so that a power cut at any byte leaves the
 * old or the new version bootable with its saved state. C99, no heap. */
#ifndef COLONY_OTA_H
#define COLONY_OTA_H
#include <stdint.h>

/* Why a bundle or an update was refused: host/ota/errors.ts's REFUSALS, same order. */
typedef enum {
  OTA_OK = 0,
  OTA_TRUNCATED,
  OTA_MALFORMED,
  OTA_TAMPERED,
  OTA_UNTRUSTED_KEY,
  OTA_WRONG_ABI,
  OTA_OLDER_VERSION,
  OTA_CORRUPTED,
  OTA_TRANSFER_FAILED,
  OTA_WRONG_AGENT,
  OTA_HEALTH_CHECK,
  OTA_INSTALL_FAILED,
  OTA_POLICY, /* the site's update rules do not let this publisher make this change */
  /* not a refusal: the flash failed (or the power did) part-way; reboot and recover */
  OTA_FLASH_ERROR,
  /* not a refusal: the call makes no sense in this state (nothing provisioned, ...) */
  OTA_BAD_STATE
} colony_ota_reason_t;

/* The wire name of a reason ("tampered", ...). */
const char *colony_ota_reason_name(colony_ota_reason_t r);

/* NOR flash: erase sets a whole sector to 0xFF, write may only clear bits.
 * Each call returns 0, or non-zero when the flash failed (the caller stops). */
typedef struct colony_flash {
  void *ctx;
  uint32_t size;
  uint32_t sector;
  int (*read)(void *ctx, uint32_t off, uint8_t *buf, uint32_t n);
  int (*write)(void *ctx, uint32_t off, const uint8_t *buf, uint32_t n);
  int (*erase)(void *ctx, uint32_t off); /* the sector starting at off */
  /* where the flash is memory-mapped (XIP, or RAM under QEMU): a pointer to off; NULL if not */
  const uint8_t *(*map)(void *ctx, uint32_t off);
} colony_flash_t;

/* Bytes a bundle is read from: a flash range or a RAM buffer. */
typedef struct colony_src {
  const colony_flash_t *flash; /* NULL: read from mem */
  const uint8_t *mem;
  uint32_t off, size;
} colony_src_t;
int colony_src_read(const colony_src_t *s, uint32_t at, uint8_t *buf, uint32_t n);

#define COLONY_OTA_MANIFEST_MAX 1024u
#define COLONY_OTA_VERSION_MAX 64u
#define COLONY_OTA_NAME_MAX 64u

/* A parsed bundle: where its parts are in the source, and what the manifest says. */
typedef struct colony_bundle {
  char name[COLONY_OTA_NAME_MAX + 1];
  char version[COLONY_OTA_VERSION_MAX + 1];
  uint32_t abi;
  uint32_t manifest_off, manifest_len; /* the manifest's CBOR exactly as signed */
  uint32_t wasm_off, wasm_len;
  uint8_t wasm_sha256[32];
  uint8_t key[32], sig[64];
} colony_bundle_t;

/* The site policy's `updates:` rules (docs/governance.md), resolved per agent at build time
 * (host/firmware/compile/updates.ts) as host/governance's UpdateGate resolves them: who may
 * update the agent, and what a release may be granted beyond the running version's manifest. */
typedef struct colony_ota_update_rule {
  const char *agent;                /* the agent's name; "*" (the last entry): any other */
  const uint8_t (*publishers)[32];
  int16_t n_publishers;             /* -1: any key the device trusts */
  const char *const *capabilities;  /* new capabilities allowed */
  int16_t n_capabilities;           /* -1: any, 0: none */
  const char *const *topics;        /* new topics allowed, to publish or subscribe */
  int16_t n_topics;                 /* -1: any, 0: none */
} colony_ota_update_rule_t;

typedef struct colony_ota_updates {
  const char *file;                       /* the policy's file, for the refusal's detail */
  const colony_ota_update_rule_t *rules;
  uint32_t n_rules;
  uint32_t *refused;                      /* update:publisher, update:capability, update:topic */
} colony_ota_updates_t;

typedef struct colony_ota_policy {
  const uint8_t (*trusted)[32]; /* the site's publisher keys */
  uint32_t ntrusted;
  const uint32_t *abi; /* the ABIs this firmware runs */
  uint32_t nabi;
  const colony_ota_updates_t *updates; /* NULL: no site policy, any trusted update may go ahead */
  /* an update refused by the rules, for the console; NULL: none */
  void (*log)(const colony_bundle_t *next, const char *reason, const char *detail);
} colony_ota_policy_t;

/* Structure only: truncated or malformed (or tampered when the manifest bytes are not CBOR). */
colony_ota_reason_t colony_bundle_read(const colony_src_t *src, colony_bundle_t *b);
/* Everything before install, in host/ota's order: structure, signature, trust, ABI, then
 * anti-rollback (floor: the highest committed version, "" or NULL for none). */
colony_ota_reason_t colony_bundle_verify(const colony_src_t *src, const colony_ota_policy_t *p, const char *floor, colony_bundle_t *b);

#define COLONY_OTA_DETAIL_MAX 160u
/* The update rules on `next` replacing `running` (both verified; each read from its source):
 * OTA_OK, or OTA_POLICY with the host's words in detail (cut to cap - 1), counted, and logged.
 * Reasons: "update:publisher", "update:capability", "update:topic". */
colony_ota_reason_t colony_update_check(const colony_ota_policy_t *p, const colony_src_t *running_src, const colony_bundle_t *running, const colony_src_t *next_src,
                                        const colony_bundle_t *next, char *detail, uint32_t cap);

/* Semantic versions (semver.org 2.0.0): 1 when valid; compare gives -1, 0 or 1. */
int colony_semver_valid(const char *v);
int colony_semver_compare(const char *a, const char *b);

/* What runs an agent: one instance at a time per slot pair. snapshot returns the state's
 * length (0: no state, -1: failed); restore, start and health return 0 / 1 as named. */
typedef struct colony_ota_runtime {
  void *ctx;
  int (*start)(void *ctx, const colony_src_t *wasm, const colony_bundle_t *b); /* 0 = ok */
  int32_t (*snapshot)(void *ctx, uint8_t *buf, uint32_t cap);
  int (*restore)(void *ctx, const uint8_t *state, uint32_t n); /* 0 = ok */
  int (*healthy)(void *ctx);                                    /* 1 = passed its health window */
  void (*stop)(void *ctx);
} colony_ota_runtime_t;

/* One agent's area: [boot record x2][slot 0][slot 1][state 0 x2][state 1 x2][stage x2].
 * Records take one sector per copy; offset, slot_size and state_size are sector multiples. */
typedef struct colony_slot_layout {
  uint32_t offset;
  uint32_t slot_size;
  uint32_t state_size;
} colony_slot_layout_t;
uint32_t colony_slot_area_size(const colony_slot_layout_t *l, uint32_t sector);

#define COLONY_OTA_STATE_MAX 2048u
#define COLONY_OTA_ROLLOUT_MAX 64u
#define COLONY_OTA_BUNDLE_ID_MAX 32u
#define COLONY_OTA_SLOT_HEADER 40u

typedef struct colony_boot_record {
  uint8_t active, trial;
  char floor[COLONY_OTA_VERSION_MAX + 1];
  char rollout[COLONY_OTA_ROLLOUT_MAX + 1];
} colony_boot_record_t;

typedef struct colony_slots {
  const colony_flash_t *flash;
  colony_slot_layout_t layout;
  const colony_ota_runtime_t *rt;
  const colony_ota_policy_t *policy;
  int provisioned;
  colony_boot_record_t rec;
  int running; /* an instance runs: bundle below */
  uint8_t slot;
  colony_bundle_t bundle;
  /* the inactive slot receiving a download */
  int staging;
  uint8_t stage_slot;
  char stage_id[COLONY_OTA_BUNDLE_ID_MAX + 1];
  uint32_t stage_size, stage_chunk;
  uint8_t have[256]; /* chunk bitmap: up to 2048 chunks */
  uint8_t state[COLONY_OTA_STATE_MAX];
  /* between install_begin and install_end: the new version runs on trial */
  int trial_pending;
  uint8_t trial_old;
  colony_boot_record_t trial_before;
  char trial_version[COLONY_OTA_VERSION_MAX + 1];
} colony_slots_t;

typedef struct colony_install_result {
  int committed;            /* 1: the new version runs; 0: rolled back to the old one */
  colony_ota_reason_t reason; /* when rolled back: OTA_HEALTH_CHECK or OTA_INSTALL_FAILED */
  char detail[COLONY_OTA_DETAIL_MAX + 1]; /* when refused with OTA_POLICY: why */
} colony_install_result_t;

/* Reads the boot record; runs nothing (boot does). */
colony_ota_reason_t colony_slots_open(colony_slots_t *s, const colony_flash_t *f, const colony_slot_layout_t *l, const colony_ota_runtime_t *rt, const colony_ota_policy_t *p);
/* The factory image: a verified bundle into slot 0, committed, started. */
colony_ota_reason_t colony_slots_provision(colony_slots_t *s, const uint8_t *bundle, uint32_t n);
/* After a reset: a slot still on trial lost its health window, so the other one runs. */
colony_ota_reason_t colony_slots_boot(colony_slots_t *s);
/* Saves the running agent's state (what a reboot restores). */
colony_ota_reason_t colony_slots_checkpoint(colony_slots_t *s);
/* Prepares the inactive slot for a bundle, or finds the chunks an earlier attempt wrote
 * (s->have). Erases the slot when starting afresh: its old version is gone. */
colony_ota_reason_t colony_slots_stage(colony_slots_t *s, const char *bundle_id, uint32_t size, uint32_t chunk);
colony_ota_reason_t colony_slots_stage_chunk(colony_slots_t *s, uint32_t index, const uint8_t *data, uint32_t n);
int colony_slots_staged_count(const colony_slots_t *s);
/* SHA-256 of what is staged (all of it): what a job's sha256 names. */
colony_ota_reason_t colony_slots_staged_sha256(const colony_slots_t *s, uint8_t out[32]);
/* Installs the fully staged bundle: verify, the site's update rules (OTA_POLICY, out->detail
 * saying why), header, state handoff, trial, health, commit or roll back. A refusal leaves
 * everything as it was (a staged slot without its header never boots); OTA_FLASH_ERROR means reboot. */
colony_ota_reason_t colony_slots_install(colony_slots_t *s, const char *rollout, colony_install_result_t *out);
/* The same in two steps, for a health window that takes time: begin switches to the new
 * version on trial (or, when it cannot start, back at once: trial_pending is then 0); end
 * commits it or switches back. A reset in between boots the old version (a trial). */
colony_ota_reason_t colony_slots_install_begin(colony_slots_t *s, const char *rollout, colony_install_result_t *out);
colony_ota_reason_t colony_slots_install_end(colony_slots_t *s, int healthy, colony_install_result_t *out);
/* Stage + all chunks + install, from a bundle in RAM. */
colony_ota_reason_t colony_slots_install_bytes(colony_slots_t *s, const uint8_t *bundle, uint32_t n, const char *rollout, colony_install_result_t *out);
/* Operator rollback to the other slot's (older) version, state handed over. */
colony_ota_reason_t colony_slots_revert(colony_slots_t *s, const char *rollout);
/* The running version, or "" when nothing runs. */
const char *colony_slots_version(const colony_slots_t *s);
/* Provision from a bundle already in flash (the agents partition's factory image). */
colony_ota_reason_t colony_slots_provision_src(colony_slots_t *s, const colony_src_t *bundle);

/* ---- the `agents` partition (host/firmware/esp32/modules-image.ts) ----
 * [factory image: "CLNYMOD1", count, total, CRC-32, directory, bundles][slot areas]: the
 * image `colony flash` writes, then one slot area per module, in directory order, from the
 * first sector boundary after the image. */
typedef struct colony_module_entry {
  char name[32];
  uint32_t offset, length; /* in the partition */
} colony_module_entry_t;

/* Checks the image's header and CRC; *count modules, *end the image's length (set also when
 * only the CRC is wrong: OTA_CORRUPTED). */
colony_ota_reason_t colony_modules_open(const colony_flash_t *f, uint32_t part, uint32_t *count, uint32_t *end);
/* Module i's directory entry, its bytes checked against the directory's SHA-256. */
colony_ota_reason_t colony_modules_entry(const colony_flash_t *f, uint32_t part, uint32_t i, colony_module_entry_t *e);
/* At boot: for each module, its slot pair (provisioned from the image on first boot, so
 * later OTA installs go to the other slot), then boot it. slots[i] gets module i; *n in:
 * room, out: modules. Stops at the first flash error; a bad module leaves its slots closed
 * (running == 0) and the others boot. */
colony_ota_reason_t colony_agents_boot(const colony_flash_t *f, uint32_t part, uint32_t part_size, uint32_t slot_size, uint32_t state_size,
                                       const colony_ota_runtime_t *const *rts, const colony_ota_policy_t *p, colony_slots_t *slots, uint32_t *n);
#endif
