/* The site policy on the device (docs/governance.md): what host/governance's PolicyGate
 * enforces in the host kernel, enforced here in bus_publish and actuator_write, from tables
 * `colony firmware build --policy <file>` generates from the same YAML. A publish is
 * classed (the site's word for its topic, else the most sensitive sensor its agent's manifest
 * grants); a class the site keeps in is refused unless the topic is local-only; each rate
 * limit naming the agent (or *) and matching the topic takes a token of its bucket; a
 * contract-net call or award must claim the priority and preemption the site gives its
 * manager. A local-only topic reaches the device's own agents and never the link. Shared
 * actuators go to the higher priority, or to the first for its hold. Every refusal is
 * counted by reason and is a console line. */
#ifndef COLONY_POLICY_H
#define COLONY_POLICY_H
#include <stdint.h>
#include "colony.h"

enum { COLONY_CLASS_PUBLIC = 0, COLONY_CLASS_DERIVED = 1, COLONY_CLASS_RAW = 2 };

typedef struct { const char *filter; uint8_t cls; } colony_policy_topic_t;
typedef struct { const char *agent; const char *filter; double per_second, burst; const char *text; /* "more than 1/s on ..." */ } colony_policy_rate_t;
typedef struct { double tokens; uint64_t at; uint8_t used; } colony_policy_bucket_t;
typedef struct { int32_t priority; uint8_t preempt; } colony_policy_task_t;
typedef struct {
  const char *actuator;       /* the alias agents are granted (actuator:<name>) */
  uint8_t first;              /* 1: first come keeps it for its hold; 0: the higher priority takes it */
  uint32_t hold_ms;
  const int32_t *priority;    /* per agent index */
} colony_policy_actuator_t;
typedef struct { int16_t agent; uint64_t until; } colony_policy_holder_t;

typedef struct {
  const char *file;
  const colony_policy_topic_t *topics; uint8_t n_topics;
  uint8_t egress;                             /* bit (1 << class) set: the class may leave the device */
  const char *const *local_only; uint8_t n_local_only;
  const colony_policy_rate_t *rates; uint8_t n_rates;
  colony_policy_bucket_t *buckets;            /* n_rates x n_agents, rule-major */
  const uint8_t *agent_class;                 /* per agent: the most sensitive class of its sensors */
  const colony_policy_task_t *tasks;          /* per agent: its rule as a contract-net manager */
  const colony_policy_actuator_t *actuators; uint8_t n_actuators;
  colony_policy_holder_t *holders;            /* per actuator rule */
  uint32_t *refused;                          /* per reason: 3 egress classes, n_rates, task, n_actuators */
} colony_policy_t;

/* the build's policy, or NULL: none (colony_config.c defines it) */
extern const colony_policy_t *const colony_policy;

enum { COLONY_POLICY_PASS = 0, COLONY_POLICY_LOCAL = 1, COLONY_POLICY_REFUSED = -1 };
/* agent a publishing body on topic at now: PASS, LOCAL (deliver on the device only) or
 * REFUSED, with the console line "refused <agent> policy <reason>: <why>" */
int colony_policy_publish(const colony_policy_t *p, colony_agent_t *a, const uint8_t *topic, uint32_t tn, const uint8_t *body, uint32_t bn, uint64_t now);
/* agent a commanding actuator alias `name` at now: PASS or REFUSED, as above */
int colony_policy_actuate(const colony_policy_t *p, colony_agent_t *a, const char *name, uint64_t now);
/* checks made since boot */
uint32_t colony_policy_checks(void);
/* "policy checked=<n> refused <reason>=<n> ..." */
void colony_policy_print(const colony_policy_t *p);
#endif
