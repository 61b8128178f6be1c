/* Host-side harness for firmware/ota: bundles checked by the C code (reasons printed for the
 * TS test to compare with host/ota's), and installs on a simulated NOR flash whose power is
 * cut at a chosen operation. The flash double keeps NOR's rules (erase = a sector to 0xFF,
 * write only clears bits: a write that would set a bit aborts the harness); the agent runtime
 * double keeps an i32 state (4 bytes LE, as test/ota's TestRuntime) and fails its health
 * window for the versions named with --sick. `device` runs firmware/ota/device.c on a line
 * link (stdin: "msg <topic> <hex>", stdout: "pub <topic> <retain> <hex>", "sub <filter>")
 * that the TS test bridges to host/ota's controller. `updates` installs each bundle on a fresh
 * device running the first, through the site's update rules the harness was built with. */
#define _POSIX_C_SOURCE 200809L
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "device.h"
#include "ota.h"

#define SECTOR 4096u
#define FLASH_SIZE (256u * 1024u)

/* ---- flash double ---- */
typedef struct {
  uint8_t mem[FLASH_SIZE];
  long ops;     /* write and erase operations so far */
  long cut_at;  /* the operation the power fails in (-1: never) */
  uint32_t cut_keep; /* bytes of that operation that still happen */
  int dead;
} sim_flash_t;

static int sim_op(sim_flash_t *f, uint32_t *n) {
  if (f->dead) return -1;
  if (f->cut_at >= 0 && f->ops == f->cut_at) {
    f->dead = 1;
    *n = *n ? f->cut_keep % *n : 0; /* the cut operation never completes */
    f->ops++;
    return 1;
  }
  f->ops++;
  return 0;
}
static int sim_read(void *c, uint32_t off, uint8_t *buf, uint32_t n) {
  sim_flash_t *f = c;
  if (f->dead || off + n > FLASH_SIZE) return -1;
  memcpy(buf, f->mem + off, n);
  return 0;
}
static int sim_write(void *c, uint32_t off, const uint8_t *buf, uint32_t n) {
  sim_flash_t *f = c;
  if (off + n > FLASH_SIZE) return -1;
  uint32_t len = n;
  int cut = sim_op(f, &len);
  if (cut < 0) return -1;
  for (uint32_t i = 0; i < len; i++) {
    if ((f->mem[off + i] & buf[i]) != buf[i]) {
      fprintf(stderr, "NOR violation: write of %02x over %02x at %u\n", buf[i], f->mem[off + i], off + i);
      exit(3);
    }
    f->mem[off + i] = buf[i];
  }
  return cut ? -1 : 0;
}
static int sim_erase(void *c, uint32_t off) {
  sim_flash_t *f = c;
  if (off % SECTOR || off + SECTOR > FLASH_SIZE) {
    fprintf(stderr, "erase at %u: not a sector\n", off);
    exit(3);
  }
  uint32_t len = SECTOR;
  int cut = sim_op(f, &len);
  if (cut < 0) return -1;
  memset(f->mem + off, 0xff, len); /* an interrupted erase: a prefix is erased */
  return cut ? -1 : 0;
}

/* ---- runtime double ---- */
typedef struct {
  int running;
  int32_t state;
  char version[COLONY_OTA_VERSION_MAX + 1];
  const char *sick;
} sim_rt_t;

static int rt_start(void *c, const colony_src_t *wasm, const colony_bundle_t *b) {
  sim_rt_t *r = c;
  uint8_t magic[4];
  if (colony_src_read(wasm, 0, magic, 4) || memcmp(magic, "\0asm", 4)) return 1;
  r->running = 1, r->state = 0;
  strcpy(r->version, b->version);
  return 0;
}
static int32_t rt_snapshot(void *c, uint8_t *buf, uint32_t cap) {
  sim_rt_t *r = c;
  if (cap < 4) return -1;
  for (int i = 0; i < 4; i++) buf[i] = (uint8_t)((uint32_t)r->state >> (8 * i));
  return 4;
}
static int rt_restore(void *c, const uint8_t *s, uint32_t n) {
  sim_rt_t *r = c;
  if (n != 4) return 1;
  r->state = (int32_t)((uint32_t)s[0] | (uint32_t)s[1] << 8 | (uint32_t)s[2] << 16 | (uint32_t)s[3] << 24);
  return 0;
}
static int rt_healthy(void *c) {
  sim_rt_t *r = c;
  return !(r->sick && !strcmp(r->sick, r->version));
}
static void rt_stop(void *c) { ((sim_rt_t *)c)->running = 0; }

/* ---- setup ---- */
static sim_flash_t F;
static const uint8_t *sim_map(void *c, uint32_t off) { return ((sim_flash_t *)c)->mem + off; }
static sim_rt_t RTS[4];
#define RT RTS[0]
static colony_flash_t flash = {&F, FLASH_SIZE, SECTOR, sim_read, sim_write, sim_erase, sim_map};
static const colony_ota_runtime_t runtimes[4] = {
  {&RTS[0], rt_start, rt_snapshot, rt_restore, rt_healthy, rt_stop}, {&RTS[1], rt_start, rt_snapshot, rt_restore, rt_healthy, rt_stop},
  {&RTS[2], rt_start, rt_snapshot, rt_restore, rt_healthy, rt_stop}, {&RTS[3], rt_start, rt_snapshot, rt_restore, rt_healthy, rt_stop}};
static const colony_ota_runtime_t *const rt_list[4] = {&runtimes[0], &runtimes[1], &runtimes[2], &runtimes[3]};
#define runtime runtimes[0]
static const colony_slot_layout_t layout = {0, 8192, SECTOR};
static uint8_t trusted[4][32];
static const uint32_t abis[] = {1};
/* the update rules this build of the harness was generated with (test/firmware/helpers.ts), or NULL */
extern const colony_ota_updates_t *const colony_ota_updates;
static void logged(const colony_bundle_t *next, const char *reason, const char *detail) { printf("log %s %s policy %s: %s\n", next->name, next->version, reason, detail); }
static colony_ota_policy_t policy = {(const uint8_t (*)[32])trusted, 0, abis, 1, 0, logged};
static colony_slots_t S;

static uint8_t *load(const char *path, uint32_t *n) {
  FILE *f = fopen(path, "rb");
  if (!f) { fprintf(stderr, "cannot open %s\n", path); exit(2); }
  fseek(f, 0, SEEK_END);
  long len = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *p = malloc((size_t)len + 1);
  if (fread(p, 1, (size_t)len, f) != (size_t)len) exit(2);
  fclose(f);
  *n = (uint32_t)len;
  return p;
}

static void unhex(const char *h, uint8_t *out, uint32_t n) {
  for (uint32_t i = 0; i < n; i++) {
    unsigned v;
    if (sscanf(h + 2 * i, "%2x", &v) != 1) { fprintf(stderr, "bad hex key\n"); exit(2); }
    out[i] = (uint8_t)v;
  }
}

static uint64_t rng = 88172645463325252ull;
static uint32_t rnd(uint32_t below) {
  rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
  return below ? (uint32_t)(rng % below) : 0;
}

#define CHECK(x) do { colony_ota_reason_t e_ = (x); if (e_) { printf("error %s at line %d\n", colony_ota_reason_name(e_), __LINE__); return 1; } } while (0)

static colony_ota_reason_t reopen(void) {
  colony_ota_reason_t e = colony_slots_open(&S, &flash, &layout, &runtime, &policy);
  return e ? e : colony_slots_boot(&S);
}

/* The device of test/ota/slots.test.ts: v1 provisioned, state 5 saved, state 8 live. */
static int provisioned(const uint8_t *v1, uint32_t n1) {
  memset(&F, 0xff, sizeof F.mem);
  F.ops = 0, F.cut_at = -1, F.dead = 0;
  memset(&RT, 0, sizeof RT);
  CHECK(colony_slots_open(&S, &flash, &layout, &runtime, &policy));
  CHECK(colony_slots_provision(&S, v1, n1));
  RT.state = 5;
  CHECK(colony_slots_checkpoint(&S));
  RT.state = 8;
  return 0;
}

static colony_slots_t agents[4];

/* ---- the device's link: lines on stdout ---- */
static void put_hex(const uint8_t *p, uint32_t n) {
  for (uint32_t i = 0; i < n; i++) printf("%02x", p[i]);
}
int colony_link_publish_raw(const char *t, uint32_t tn, const uint8_t *b, uint32_t bn, int qos, int retain) {
  (void)qos;
  printf("pub %.*s %d ", (int)tn, t, retain);
  put_hex(b, bn);
  printf("\n");
  fflush(stdout);
  return 0;
}
int colony_link_subscribe_raw(const char *f, uint32_t fn) {
  printf("sub %.*s\n", (int)fn, f);
  fflush(stdout);
  return 0;
}
static uint64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* device <keys> <site> <id> <v1> [--sick V]: v1 provisioned (state 8), then the OTA engine on
 * the line link until "quit"; "reboot" powers it off and on (slots reopened and booted). */
static int device_mode(int argc, char **argv) {
  static colony_ota_device_t d;
  static const char *const groups[] = {"cameras"};
  static char line[8192];
  static uint8_t body[4096];
  uint32_t n1;
  uint8_t *v1 = load(argv[5], &n1);
  if (provisioned(v1, n1)) return 1;
  for (int i = 6; i + 1 < argc; i++)
    if (!strcmp(argv[i], "--sick")) RT.sick = argv[i + 1];
  memset(&d, 0, sizeof d);
  d.site = argv[3], d.device = argv[4], d.groups = groups, d.ngroups = 1, d.agents = &S, d.nagents = 1;
  if (colony_ota_device_start(&d)) return 1;
  setvbuf(stdin, 0, _IONBF, 0); /* nothing may wait in stdio's buffer: poll() watches the fd */
  for (;;) {
    struct pollfd p = {0, POLLIN, 0};
    if (poll(&p, 1, 20) > 0) {
      if (!fgets(line, sizeof line, stdin) || !strncmp(line, "quit", 4)) break;
      if (!strncmp(line, "msg ", 4)) {
        char *t = line + 4, *h = strchr(t, ' ');
        if (!h) continue;
        *h++ = 0;
        uint32_t bn = 0;
        while (h[0] && h[1] && h[0] != '\n' && bn < sizeof body) {
          unsigned v;
          sscanf(h, "%2x", &v);
          body[bn++] = (uint8_t)v, h += 2;
        }
        colony_ota_device_message(&d, t, (uint32_t)strlen(t), body, bn);
      } else if (!strncmp(line, "reboot", 6)) {
        const char *sick = RT.sick;
        memset(&RT, 0, sizeof RT);
        RT.sick = sick;
        if (reopen()) return 1;
        memset(&d, 0, sizeof d); /* RAM is lost with the power */
        d.site = argv[3], d.device = argv[4], d.groups = groups, d.ngroups = 1, d.agents = &S, d.nagents = 1;
        if (colony_ota_device_start(&d)) return 1;
      }
    }
    colony_ota_device_poll(&d, now_ms(), 0);
  }
  printf("final %s %d\n", colony_slots_version(&S), (int)RT.state);
  return 0;
}

/* Boots the agents partition at 0 and prints "name version state" per module. */
static int boot_modules(void) {
  uint32_t n = 4;
  memset(RTS, 0, sizeof RTS);
  colony_ota_reason_t e = colony_agents_boot(&flash, 0, FLASH_SIZE, 8192, SECTOR, rt_list, &policy, agents, &n);
  if (e) {
    printf("boot %s\n", colony_ota_reason_name(e));
    return 1;
  }
  for (uint32_t k = 0; k < n; k++)
    printf("%s %s %d%s", agents[k].running ? agents[k].bundle.name : "-", agents[k].running ? colony_slots_version(&agents[k]) : "-", (int)RTS[k].state, k + 1 < n ? " | " : "\n");
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 3) { fprintf(stderr, "usage: ota verify|install|powercut ...\n"); return 2; }
  policy.updates = colony_ota_updates;
  /* argv[2]: trusted keys, hex, comma-separated */
  for (const char *k = argv[2]; *k && policy.ntrusted < 4; k += k[64] == ',' ? 65 : 64) {
    unhex(k, trusted[policy.ntrusted++], 32);
    if (!k[64]) break;
  }
  if (!strcmp(argv[1], "verify")) {
    /* verify <keys> <floor|-> <bundle>... : one reason per bundle */
    const char *floor = strcmp(argv[3], "-") ? argv[3] : 0;
    for (int i = 4; i < argc; i++) {
      uint32_t n;
      uint8_t *p = load(argv[i], &n);
      colony_src_t src = {0, p, 0, n};
      colony_bundle_t b;
      colony_ota_reason_t r = colony_bundle_verify(&src, &policy, floor, &b);
      printf("%s%s%s\n", colony_ota_reason_name(r), r ? "" : " ", r ? "" : b.version);
      free(p);
    }
    return 0;
  }
  if (!strcmp(argv[1], "install")) {
    /* install <keys> <v1> [--sick V] <bundle>...: provision v1, install each, print outcomes */
    uint32_t n1;
    uint8_t *v1 = load(argv[3], &n1);
    if (provisioned(v1, n1)) return 1;
    for (int i = 4; i < argc; i++) {
      if (!strcmp(argv[i], "--sick")) { RT.sick = argv[++i]; continue; }
      if (!strcmp(argv[i], "--revert")) {
        colony_ota_reason_t e = colony_slots_revert(&S, "back");
        printf("revert %s running %s state %d\n", colony_ota_reason_name(e), colony_slots_version(&S), RT.state);
        continue;
      }
      if (!strcmp(argv[i], "--reboot")) {
        CHECK(reopen());
        printf("reboot running %s state %d\n", colony_slots_version(&S), RT.state);
        continue;
      }
      uint32_t n;
      uint8_t *p = load(argv[i], &n);
      colony_install_result_t out;
      colony_ota_reason_t e = colony_slots_install_bytes(&S, p, n, "r", &out);
      if (e) printf("refused %s running %s state %d\n", colony_ota_reason_name(e), colony_slots_version(&S), RT.state);
      else if (out.committed) printf("committed running %s state %d\n", colony_slots_version(&S), RT.state);
      else printf("rolled-back %s running %s state %d\n", colony_ota_reason_name(out.reason), colony_slots_version(&S), RT.state);
      RT.state++;
      free(p);
    }
    return 0;
  }
  if (!strcmp(argv[1], "powercut")) {
    /* powercut <keys> <v1> <v2> <runs> <seed>: an install cut at a random operation, a second
     * cut during recovery every other run, then a clean boot. Prints per run:
     * "<op> <ops> <version> <state> <again>" (again: a later install's outcome, or "-"). */
    uint32_t n1, n2;
    uint8_t *v1 = load(argv[3], &n1), *v2 = load(argv[4], &n2);
    int runs = atoi(argv[5]);
    rng ^= (uint64_t)atol(argv[6]) * 2654435761u;
    colony_install_result_t out;
    if (provisioned(v1, n1)) return 1;
    long start = F.ops;
    CHECK(colony_slots_install_bytes(&S, v2, n2, "r", &out));
    long total = F.ops - start;
    if (!out.committed) { printf("uncut install did not commit\n"); return 1; }
    for (int k = 0; k < runs; k++) {
      if (provisioned(v1, n1)) return 1;
      long op = k == runs - 1 ? total : (long)rnd((uint32_t)total);
      F.cut_at = F.ops + op;
      F.cut_keep = rnd(SECTOR);
      colony_ota_reason_t e = colony_slots_install_bytes(&S, v2, n2, "r", &out);
      if (op < total && e != OTA_FLASH_ERROR) { printf("cut at op %ld: install returned %s\n", op, colony_ota_reason_name(e)); return 1; }
      if (k % 2 == 1) {
        F.dead = 0, F.cut_at = F.ops + rnd(8), F.cut_keep = rnd(SECTOR);
        memset(&RT, 0, sizeof RT);
        (void)reopen(); /* the power fails again while it recovers */
      }
      F.dead = 0, F.cut_at = -1;
      memset(&RT, 0, sizeof RT);
      CHECK(reopen());
      if (!RT.running) { printf("%ld %ld nothing-runs\n", op, total); continue; }
      printf("%ld %ld %s %d ", op, total, RT.version, RT.state);
      if (!strcmp(RT.version, "1.0.0")) {
        e = colony_slots_install_bytes(&S, v2, n2, "r2", &out);
        printf("%s\n", e ? colony_ota_reason_name(e) : out.committed ? "committed" : colony_ota_reason_name(out.reason));
      } else printf("-\n");
    }
    return 0;
  }
  if (!strcmp(argv[1], "updates")) {
    /* updates <keys> <running> <bundle>...: per bundle "<outcome> writes=<n>[ <detail>]" (n:
     * flash writes and erases the install made), then the refusals counted by reason */
    uint32_t n1;
    uint8_t *v1 = load(argv[3], &n1);
    for (int i = 4; i < argc; i++) {
      if (provisioned(v1, n1)) return 1;
      uint32_t n;
      uint8_t *p = load(argv[i], &n);
      colony_install_result_t out;
      long ops = F.ops;
      colony_ota_reason_t e = colony_slots_install_bytes(&S, p, n, "r", &out);
      printf("%s writes=%ld%s%s\n", e ? colony_ota_reason_name(e) : out.committed ? "committed" : colony_ota_reason_name(out.reason), F.ops - ops, e == OTA_POLICY ? " " : "", e == OTA_POLICY ? out.detail : "");
      free(p);
    }
    const uint32_t *r = colony_ota_updates ? colony_ota_updates->refused : 0;
    if (r) printf("refused update:publisher=%u update:capability=%u update:topic=%u\n", (unsigned)r[0], (unsigned)r[1], (unsigned)r[2]);
    return 0;
  }
  if (!strcmp(argv[1], "device")) return device_mode(argc, argv);
  if (!strcmp(argv[1], "modules")) {
    /* modules <keys> <image> [--install i bundle | --tick i | --reboot | --flip off]...: the agents
     * partition at offset 0; prints each module's name, running version and state per boot */
    uint32_t len;
    uint8_t *img = load(argv[3], &len);
    memset(&F, 0xff, sizeof F.mem);
    F.cut_at = -1;
    memcpy(F.mem, img, len);
    if (boot_modules()) return 0;
    for (int i = 4; i < argc; i++) {
      if (!strcmp(argv[i], "--reboot")) {
        if (boot_modules()) return 0;
        continue;
      }
      if (!strcmp(argv[i], "--flip")) { F.mem[atoi(argv[i + 1])] ^= 0x10; i++; continue; }
      int k = atoi(argv[i + 1]);
      if (!strcmp(argv[i], "--tick")) { RTS[k].state++; CHECK(colony_slots_checkpoint(&agents[k])); i++; continue; }
      uint32_t bn;
      uint8_t *b = load(argv[i + 2], &bn);
      colony_install_result_t out;
      colony_ota_reason_t e = colony_slots_install_bytes(&agents[k], b, bn, "r", &out);
      printf("install %d %s\n", k, e ? colony_ota_reason_name(e) : out.committed ? "committed" : colony_ota_reason_name(out.reason));
      i += 2;
    }
    return 0;
  }
  fprintf(stderr, "unknown command %s\n", argv[1]);
  return 2;
}
