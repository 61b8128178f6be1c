/* The harnesses' console: colony_printf appends to `console`, which a harness prints as its
 * answer and clears (the formats the runtime uses are the C library's, %L aside). */
#ifndef HARNESS_CONSOLE_H
#define HARNESS_CONSOLE_H
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#ifndef HARNESS_CONSOLE_BYTES
#define HARNESS_CONSOLE_BYTES 4096
#endif
static char console[HARNESS_CONSOLE_BYTES];
void colony_printf(const char *fmt, ...) {
  size_t n = strlen(console);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(console + n, sizeof console - n, fmt, ap);
  va_end(ap);
}
#endif
