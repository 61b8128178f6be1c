/* The device's OTA engine (device.c): follows its retained job on colony/<site>/ota/job/<id>,
 * pulls the bundle chunk by chunk into the inactive slot, installs, and reports each step
 * as a retained status, interoperating with host/ota's controller (docs/bundle.md). */
#ifndef COLONY_OTA_DEVICE_H
#define COLONY_OTA_DEVICE_H
#include "ota.h"

/* What the engine needs from the link (firmware/runtime/link.h, or a harness): whole topic
 * names, bodies as they are. 0 or a negative error. */
int colony_link_publish_raw(const char *abs_topic, uint32_t tn, const uint8_t *body, uint32_t bn, int qos, int retain);
int colony_link_subscribe_raw(const char *abs_filter, uint32_t fn);

#define COLONY_OTA_QUEUE 10
#define COLONY_OTA_MSG_MAX 768

typedef struct colony_ota_device {
  const char *site, *device;
  const char *const *groups;
  uint32_t ngroups;
  colony_slots_t *agents; /* one slot pair per agent, named by its running bundle */
  uint32_t nagents;
  /* messages received, handled by poll (outside the link's receive loop) */
  struct { uint16_t tn, bn; char topic[96]; uint8_t body[COLONY_OTA_MSG_MAX]; } queue[COLONY_OTA_QUEUE];
  uint32_t qhead, qlen, dropped;
  /* the job being downloaded */
  int active;
  colony_slots_t *target;
  char rollout[COLONY_OTA_ROLLOUT_MAX + 1], agent[COLONY_OTA_NAME_MAX + 1], version[COLONY_OTA_VERSION_MAX + 1], bundle[COLONY_OTA_BUNDLE_ID_MAX + 1];
  uint32_t size, chunk;
  uint8_t sha256[32];
  uint8_t inflight[256];
  uint64_t last_heard;
  uint32_t silent, attempts;
  uint64_t resume_at;
  int pending; /* every chunk is in: the install waits for a poll where its agent is not busy */
  uint32_t health_ms; /* the new version's health window: how long it runs before it is judged */
  int trial;
  uint64_t trial_until;
  /* the last job finished, answered again when re-delivered */
  char done_key[COLONY_OTA_ROLLOUT_MAX + 20];
  uint8_t done_status[384];
  uint32_t done_len;
} colony_ota_device_t;

/* Subscribes to the job and chunk topics and announces the device (retained). */
int colony_ota_device_start(colony_ota_device_t *d);
/* A message on colony/<site>/ota/...: copied and queued (safe inside the link's receive). */
void colony_ota_device_message(colony_ota_device_t *d, const char *topic, uint32_t tn, const uint8_t *body, uint32_t bn);
/* Handles queued messages and re-asks for chunks after silence: call it from the main loop.
 * busy: an agent that is in the middle of an event (its install waits), or NULL. */
void colony_ota_device_poll(colony_ota_device_t *d, uint64_t now_ms, const char *busy);
#endif
