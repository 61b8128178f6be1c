/* Host-side harness for firmware/runtime/policy.c: the test generates the site policy's tables
 * and the agent table (policy_gen.c, from host/firmware/compile/policy.ts) and sends one check
 * per stdin line; each answer is one line.
 *   pub <agent index> <topic> <body hex|-> <now>   "pass|local|refused <console, | for newline>"
 *   act <agent index> <actuator alias> <now>       "pass|refused <console>"
 *   print                                          "<console>" (colony_policy_print) */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "colony.h"
#include "policy.h"
#include "hex.h"
#include "console.h"

/* bus.c delivers to agents; nothing here subscribes */
void colony_deliver_message(colony_agent_t *a, const char *topic, uint32_t tn, const uint8_t *body, uint32_t bn) { (void)a; (void)topic; (void)tn; (void)body; (void)bn; }

static const char *const ANSWER[] = {"pass", "local"};

int main(void) {
  static char line[1 << 16];
  static uint8_t body[1 << 15];
  for (int i = 0; i < colony_config.n_agents; i++) colony_config.agents[i].index = i;
  while (fgets(line, sizeof line, stdin)) {
    char *op = strtok(line, " \n");
    if (!op) continue;
    console[0] = 0;
    int r = 0;
    if (!strcmp(op, "pub")) {
      int agent = atoi(strtok(NULL, " \n"));
      char *topic = strtok(NULL, " \n"), *hex = strtok(NULL, " \n"), *now = strtok(NULL, " \n");
      size_t bn = unhex(hex, body, sizeof body);
      r = colony_policy_publish(colony_policy, &colony_config.agents[agent], (const uint8_t *)topic, (uint32_t)strlen(topic), body, (uint32_t)bn, strtoull(now, NULL, 10));
    } else if (!strcmp(op, "act")) {
      int agent = atoi(strtok(NULL, " \n"));
      char *name = strtok(NULL, " \n"), *now = strtok(NULL, " \n");
      r = colony_policy_actuate(colony_policy, &colony_config.agents[agent], name, strtoull(now, NULL, 10));
    } else if (!strcmp(op, "print")) {
      colony_policy_print(colony_policy);
      for (char *p = console; *p; p++) if (*p == '\n') *p = '|';
      printf("%s\n", console);
      fflush(stdout);
      continue;
    } else { printf("? %s\n", op); fflush(stdout); continue; }
    for (char *p = console; *p; p++) if (*p == '\n') *p = '|';
    printf("%s %s\n", r < 0 ? "refused" : ANSWER[r], console);
    fflush(stdout);
  }
  return 0;
}
