# Shared part of the CPE toolchain files. Each target file sets CPE_TARGET, CPE_DEFAULT_PREFIX,
# CPE_SYSTEM_PROCESSOR and CPE_QEMU before including this.
#
# A vendor SDK works through the same files: pass its compiler prefix and sysroot as cache variables,
#   -DCPE_CROSS_PREFIX=/opt/sdk/bin/arm-buildroot-linux-uclibcgnueabi-  -DCPE_SYSROOT=/opt/sdk/sysroot
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR ${CPE_SYSTEM_PROCESSOR})

set(CPE_CROSS_PREFIX "${CPE_DEFAULT_PREFIX}" CACHE STRING "cross compiler prefix (path and triplet, ending in '-')")
set(CPE_SYSROOT "" CACHE PATH "sysroot of a vendor SDK (empty: the compiler's own)")
# Toolchain files are re-read by try_compile projects: forward our variables to them.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES CPE_CROSS_PREFIX CPE_SYSROOT CPE_TARGET)

set(CMAKE_C_COMPILER "${CPE_CROSS_PREFIX}gcc")
set(CMAKE_CXX_COMPILER "${CPE_CROSS_PREFIX}g++")
if(CPE_SYSROOT)
    set(CMAKE_SYSROOT "${CPE_SYSROOT}")
endif()

set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# Binaries are static, so qemu needs no library path; ctest runs target programs through it.
find_program(CPE_QEMU_PROGRAM ${CPE_QEMU})
if(CPE_QEMU_PROGRAM)
    set(CMAKE_CROSSCOMPILING_EMULATOR "${CPE_QEMU_PROGRAM}")
endif()
