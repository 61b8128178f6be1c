/* mps2-an386 (Cortex-M4 under QEMU): semihosting console and exit codes,
 * SysTick at 1 kHz for the clock, CMSDK UART0 (0x40004000) as the link,
 * received by interrupt into a ring so a sleeping core wakes per byte. */
#include <stdint.h>
#include <stdlib.h>
#include "port.h"

#define CPU_HZ 25000000u
#define SYST_CSR (*(volatile uint32_t *)0xE000E010)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018)
#define NVIC_ISER0 (*(volatile uint32_t *)0xE000E100)
#define UART0 0x40004000u
#define UART_DATA (*(volatile uint32_t *)(UART0 + 0x00))
#define UART_STATE (*(volatile uint32_t *)(UART0 + 0x04))
#define UART_CTRL (*(volatile uint32_t *)(UART0 + 0x08))
#define UART_INTCLR (*(volatile uint32_t *)(UART0 + 0x0C))
#define UART_BAUDDIV (*(volatile uint32_t *)(UART0 + 0x10))

extern int _write(int fd, const char *p, int n);

static volatile uint64_t ticks;
static volatile uint8_t rx[4096];
static volatile uint32_t rx_head, rx_tail;

void SysTick_Handler(void) { ticks++; }

static void drain_uart(void) {
  while (UART_STATE & 2u) {
    uint8_t b = (uint8_t)UART_DATA;
    uint32_t next = (rx_head + 1) % sizeof rx;
    if (next != rx_tail) { rx[rx_head] = b; rx_head = next; }
  }
}

/* Clear first, then drain: a byte that lands after the drain raises the
 * interrupt again instead of waiting unseen in the one-byte RX register. */
void UART0RX_Handler(void) {
  UART_INTCLR = 2u;
  drain_uart();
}

void port_init(void) {
  SYST_RVR = CPU_HZ / 1000u - 1u;
  SYST_CVR = 0;
  SYST_CSR = 7u; /* processor clock, interrupt, enable */
  UART_BAUDDIV = 16;
  UART_CTRL = 1u | 2u | 8u; /* TX, RX, RX interrupt */
  NVIC_ISER0 = 1u;          /* IRQ 0: UART0 RX */
}

void port_console_write(const char *s, uint32_t n) { _write(1, s, (int)n); }

uint64_t port_millis(void) {
  uint64_t a, b;
  do { a = ticks; b = ticks; } while (a != b);
  return a;
}

/* SysTick counts down from CPU_HZ/1000 each millisecond */
uint64_t port_ticks(void) {
  uint64_t t;
  uint32_t v;
  do { t = ticks; v = SYST_CVR; } while (t != ticks);
  return t * (CPU_HZ / 1000u) + (CPU_HZ / 1000u - 1u - v);
}

uint32_t port_ticks_hz(void) { return CPU_HZ; }

void port_exit(int code) { exit(code); }

int port_link_available(void) { return 1; }

void port_link_write(const uint8_t *p, uint32_t n) {
  for (uint32_t i = 0; i < n; i++) {
    while (UART_STATE & 1u) {}
    UART_DATA = p[i];
  }
}

int port_link_read(void) {
  if (rx_tail == rx_head) {
    __asm volatile("cpsid i");
    drain_uart();
    __asm volatile("cpsie i");
  }
  if (rx_tail == rx_head) return -1;
  int b = rx[rx_tail];
  rx_tail = (rx_tail + 1) % sizeof rx;
  return b;
}

void port_idle(void) { __asm volatile("wfi"); }
