// Linux process calls that Swift cannot import directly because the C library declares them
// variadic (prctl).
#ifndef S2AC_CPROCESS_SHIM_H
#define S2AC_CPROCESS_SHIM_H
#include <sys/prctl.h>

// Asks the kernel to send `signal` to this process when the thread that started it exits
// (PR_SET_PDEATHSIG; cleared by fork, kept across exec). Returns 0, or -1 with errno.
static inline int s2ac_set_parent_death_signal(int signal) {
    return prctl(PR_SET_PDEATHSIG, (unsigned long)signal, 0UL, 0UL, 0UL);
}
#endif
