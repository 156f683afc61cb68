// OpenBLAS's CBLAS interface (libopenblas-dev), including openblas_set_num_threads, and its
// Fortran-interface declarations (f77blas.h), which include the LAPACK LU dgetrf_.
#ifndef S2AC_CBLAS_SHIM_H
#define S2AC_CBLAS_SHIM_H
#include <cblas.h>
#include <f77blas.h>
#endif
