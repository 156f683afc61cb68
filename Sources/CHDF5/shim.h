// HDF5's property-list and type identifiers are C macros (often expanding to a global behind
// H5open()), which Swift cannot import. These inline functions make them callable.
#ifndef S2AC_CHDF5_SHIM_H
#define S2AC_CHDF5_SHIM_H
#include <hdf5.h>

static inline hid_t s2ac_H5P_DEFAULT(void) { return H5P_DEFAULT; }
static inline hid_t s2ac_H5E_DEFAULT(void) { return H5E_DEFAULT; }
static inline hid_t s2ac_H5S_ALL(void) { return H5S_ALL; }
static inline hid_t s2ac_H5P_FILE_ACCESS(void) { return H5P_FILE_ACCESS; }
static inline hid_t s2ac_H5P_DATASET_CREATE(void) { return H5P_DATASET_CREATE; }
static inline hid_t s2ac_H5P_LINK_CREATE(void) { return H5P_LINK_CREATE; }
static inline unsigned s2ac_H5F_ACC_TRUNC(void) { return H5F_ACC_TRUNC; }
static inline unsigned s2ac_H5F_ACC_EXCL(void) { return H5F_ACC_EXCL; }
static inline unsigned s2ac_H5F_ACC_RDONLY(void) { return H5F_ACC_RDONLY; }
static inline unsigned s2ac_H5F_ACC_RDWR(void) { return H5F_ACC_RDWR; }
static inline hid_t s2ac_H5T_NATIVE_FLOAT(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t s2ac_H5T_NATIVE_DOUBLE(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t s2ac_H5T_NATIVE_INT8(void) { return H5T_NATIVE_INT8; }
static inline hid_t s2ac_H5T_NATIVE_INT32(void) { return H5T_NATIVE_INT32; }
static inline hid_t s2ac_H5T_NATIVE_INT64(void) { return H5T_NATIVE_INT64; }
static inline hid_t s2ac_H5T_NATIVE_UINT8(void) { return H5T_NATIVE_UINT8; }
static inline hid_t s2ac_H5T_NATIVE_UINT64(void) { return H5T_NATIVE_UINT64; }
static inline hid_t s2ac_H5T_C_S1(void) { return H5T_C_S1; }
static inline size_t s2ac_H5T_VARIABLE(void) { return H5T_VARIABLE; }
static inline hsize_t s2ac_H5S_UNLIMITED(void) { return H5S_UNLIMITED; }

#endif
