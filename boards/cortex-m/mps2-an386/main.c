/* The firmware's entry on mps2-an386: the portable runtime does the rest. */
#include "colony.h"
int main(void) { return colony_main(); }
