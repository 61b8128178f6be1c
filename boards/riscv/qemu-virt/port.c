/* rv32imc on QEMU's virt machine (the ESP32-C3 class core): semihosting
 * console and exit codes through picolibc, the CLINT's mtime (10 MHz) for the
 * clock, the NS16550 UART at 0x10000000 as the link (polled). */
#include <stdint.h>
#include <stdlib.h>
#include "port.h"

#define MTIME (*(volatile uint32_t *)0x0200BFF8)
#define MTIMEH (*(volatile uint32_t *)0x0200BFFC)
#define UART ((volatile uint8_t *)0x10000000)
#define UART_RBR 0
#define UART_THR 0
#define UART_FCR 2
#define UART_LSR 5

void port_init(void) { UART[UART_FCR] = 0x07; /* FIFOs on and cleared */ }

/* SYS_WRITE0 to the semihosting console (QEMU's stdout); picolibc's stdout
 * lands on QEMU's stderr. The call is the RISC-V semihosting sequence: an
 * uncompressed slli/ebreak/srai triple. */
static void semihost_write0(const char *s) {
  register uintptr_t a0 __asm__("a0") = 0x04;
  register uintptr_t a1 __asm__("a1") = (uintptr_t)s;
  __asm__ volatile(".option push\n.option norvc\n.balign 16\nslli x0, x0, 0x1f\nebreak\nsrai x0, x0, 7\n.option pop\n"
                   : "+r"(a0) : "r"(a1) : "memory");
}

void port_console_write(const char *s, uint32_t n) {
  char chunk[129];
  while (n) {
    uint32_t k = n < 128 ? n : 128;
    for (uint32_t i = 0; i < k; i++) chunk[i] = s[i];
    chunk[k] = 0;
    semihost_write0(chunk);
    s += k;
    n -= k;
  }
}

uint64_t port_ticks(void) {
  uint32_t hi, lo;
  do { hi = MTIMEH; lo = MTIME; } while (hi != MTIMEH);
  return ((uint64_t)hi << 32) | lo;
}

uint32_t port_ticks_hz(void) { return 10000000u; }

uint64_t port_millis(void) { return port_ticks() / 10000u; }

void port_exit(int code) { exit(code); }

int port_link_available(void) { return 1; }

void port_link_write(const uint8_t *p, uint32_t n) {
  for (uint32_t i = 0; i < n; i++) {
    while (!(UART[UART_LSR] & 0x20)) {}
    UART[UART_THR] = p[i];
  }
}

int port_link_read(void) { return (UART[UART_LSR] & 1) ? UART[UART_RBR] : -1; }

/* no interrupt is set up on this port: idling is polling */
void port_idle(void) {}
