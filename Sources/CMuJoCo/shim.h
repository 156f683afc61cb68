// MuJoCo's C API (Debian's libmujoco-dev 2.2.2 installs it under /usr/include/mujoco).
#ifndef S2AC_CMUJOCO_SHIM_H
#define S2AC_CMUJOCO_SHIM_H
#include <mujoco/mujoco.h>
#endif
