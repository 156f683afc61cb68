// OpenBLAS's CBLAS interface (libopenblas-dev), including openblas_set_num_threads.
#ifndef S2AC_CBLAS_SHIM_H
#define S2AC_CBLAS_SHIM_H
#include <cblas.h>
#endif
