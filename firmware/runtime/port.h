/* What a board port gives the runtime: a console, a millisecond clock, exit,
 * and optionally a byte link (a UART wired to the fleet). One file per board. */
#ifndef COLONY_PORT_H
#define COLONY_PORT_H
#include <stdint.h>
void port_init(void);
void port_console_write(const char *s, uint32_t n);
uint64_t port_millis(void);
/* a fine clock for measuring, and its rate (under QEMU -icount shift=0, 1e9 instructions a second) */
uint64_t port_ticks(void);
uint32_t port_ticks_hz(void);
void port_exit(int code);
/* link UART: returns 1 if the port has one */
int port_link_available(void);
void port_link_write(const uint8_t *p, uint32_t n);
/* a received byte, or -1 if none is waiting */
int port_link_read(void);
/* sleep until an interrupt or about a millisecond passes */
void port_idle(void);
#endif
