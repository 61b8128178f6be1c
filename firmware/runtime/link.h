/* The device's link to the fleet: MQTT-SN (v1.2) over the port's UART, one
 * packet per SLIP frame (slip.c). Topics go on the wire as colony/<site>/<relative>. */
#ifndef COLONY_LINK_H
#define COLONY_LINK_H
#include <stdint.h>
#include "colony.h"
void colony_link_start(void);
void colony_link_poll(void);
void colony_link_publish(colony_agent_t *a, const char *topic, uint32_t tn, const uint8_t *body, uint32_t bn, int qos);
void colony_link_subscribe(colony_agent_t *a, const char *filter, uint32_t fn);

/* Raw link access for the OTA engine: whole topic names (colony/<site>/...),
 * bodies as they are (no envelope). The topic is REGISTERed as needed; retain
 * sets the PUBLISH RETAIN flag. Both return 0, or a negative COLONY_E* code. */
int colony_link_publish_raw(const char *abs_topic, uint32_t tn, const uint8_t *body, uint32_t bn, int qos, int retain);
int colony_link_subscribe_raw(const char *abs_filter, uint32_t fn);
/* Called for every PUBLISH received on colony/<site>/ota/...: those are OTA's own
 * signed bundles, never envelopes, and never reach the agents' bus. mqttsn.c
 * defines it weak and empty; the OTA engine overrides it. */
void colony_ota_message(const char *topic, uint32_t tn, const uint8_t *body, uint32_t bn);

/* slip.c: RFC 1055 framing (END 0xC0, ESC 0xDB, ESC_END 0xDC, ESC_ESC 0xDD) */
void colony_slip_send(const uint8_t *p, uint32_t n);
/* feeds one received byte; returns the length of a completed frame in buf, else 0 */
uint32_t colony_slip_feed(uint8_t byte, uint8_t *buf, uint32_t cap);
#endif
