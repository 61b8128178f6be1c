/* The firmware's entry on QEMU virt (rv32imc): the portable runtime does the rest. */
#include "colony.h"
int main(void) { return colony_main(); }
