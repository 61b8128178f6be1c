/* ESP32 (ESP-IDF): console on stdout (the USB/UART console), esp_timer for
 * the clock, UART1 as the link to the gateway host (SLIP-framed MQTT-SN, as
 * on QEMU), the runtime in a task with a 32 KiB stack (wasm3 needs it). */
#include <stdio.h>
#include "driver/uart.h"
#include "esp_system.h"
#include "esp_timer.h"
#include "freertos/FreeRTOS.h"
#include "freertos/task.h"
#include "colony.h"
#include "port.h"

#define LINK_UART UART_NUM_1
#define LINK_BAUD 115200
#define LINK_TX 17
#define LINK_RX 16

void port_init(void) {
  const uart_config_t cfg = {
    .baud_rate = LINK_BAUD, .data_bits = UART_DATA_8_BITS, .parity = UART_PARITY_DISABLE,
    .stop_bits = UART_STOP_BITS_1, .flow_ctrl = UART_HW_FLOWCTRL_DISABLE, .source_clk = UART_SCLK_DEFAULT,
  };
  uart_driver_install(LINK_UART, 2048, 0, 0, NULL, 0);
  uart_param_config(LINK_UART, &cfg);
  uart_set_pin(LINK_UART, LINK_TX, LINK_RX, UART_PIN_NO_CHANGE, UART_PIN_NO_CHANGE);
}

void port_console_write(const char *s, uint32_t n) { fwrite(s, 1, n, stdout); }
uint64_t port_millis(void) { return (uint64_t)esp_timer_get_time() / 1000u; }
uint64_t port_ticks(void) { return (uint64_t)esp_timer_get_time(); }
uint32_t port_ticks_hz(void) { return 1000000u; }

/* a board has nobody to return to: report, then stay up idle */
void port_exit(int code) {
  printf("colony: firmware finished with %d\n", code);
  fflush(stdout);
  for (;;) vTaskDelay(portMAX_DELAY);
}

int port_link_available(void) { return 1; }
void port_link_write(const uint8_t *p, uint32_t n) { uart_write_bytes(LINK_UART, p, n); }
int port_link_read(void) {
  uint8_t b;
  return uart_read_bytes(LINK_UART, &b, 1, 0) == 1 ? b : -1;
}
void port_idle(void) { vTaskDelay(1); }

static void colony_task(void *arg) {
  (void)arg;
  port_exit(colony_main());
}

void app_main(void) { xTaskCreate(colony_task, "colony", 32 * 1024, NULL, 5, NULL); }
