/* Cortex-M startup: vector table, Reset_Handler (copy .data, zero .bss, open
 * the semihosting console), and fault handlers that end the run non-zero: a
 * fault of the firmware itself is the one "unhandled fault". */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack;
extern int main(void);
extern void initialise_monitor_handles(void);
void Reset_Handler(void);
void Fault_Handler(void);
void Default_Handler(void);
/* a port that uses these defines them; otherwise they count as unexpected */
void SysTick_Handler(void) __attribute__((weak, alias("Default_Handler")));
void UART0RX_Handler(void) __attribute__((weak, alias("Default_Handler")));

#define FIRMWARE_FAULT_EXIT 3

__attribute__((section(".vectors"), used)) static void (*const vectors[16 + 32])(void) = {
  (void (*)(void))&_estack, Reset_Handler, Fault_Handler, Fault_Handler, Fault_Handler, Fault_Handler, Fault_Handler,
  0, 0, 0, 0, Default_Handler, Default_Handler, 0, Default_Handler, SysTick_Handler,
  /* external interrupts: UART0 RX is IRQ 0 on the MPS2 */
  UART0RX_Handler, Default_Handler, Default_Handler, Default_Handler, Default_Handler, Default_Handler, Default_Handler,
  Default_Handler, Default_Handler, Default_Handler, Default_Handler, Default_Handler, Default_Handler, Default_Handler,
  Default_Handler, Default_Handler, Default_Handler, Default_Handler, Default_Handler, Default_Handler, Default_Handler,
  Default_Handler, Default_Handler, Default_Handler, Default_Handler, Default_Handler, Default_Handler, Default_Handler,
  Default_Handler, Default_Handler, Default_Handler, Default_Handler,
};

void Reset_Handler(void) {
  memcpy(&_sdata, &_sidata, (uint32_t)((char *)&_edata - (char *)&_sdata));
  memset(&_sbss, 0, (uint32_t)((char *)&_ebss - (char *)&_sbss));
  /* the FPU: CP10 and CP11 full access, as -mfloat-abi=hard code needs */
  *(volatile uint32_t *)0xE000ED88 |= (0xFu << 20);
  __asm volatile("dsb; isb");
  initialise_monitor_handles();
  exit(main());
}

void Fault_Handler(void) {
  static const char msg[] = "colony: firmware fault (hard fault): exit 3\n";
  extern int _write(int, const char *, int);
  _write(1, msg, sizeof msg - 1);
  exit(FIRMWARE_FAULT_EXIT);
}

void Default_Handler(void) { Fault_Handler(); }
