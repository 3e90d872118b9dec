# aarch64 CPE target (Debian g++ 12 cross compiler by default). See toolchains/README.md.
set(CPE_TARGET aarch64)
set(CPE_DEFAULT_PREFIX aarch64-linux-gnu-)
set(CPE_SYSTEM_PROCESSOR aarch64)
set(CPE_QEMU qemu-aarch64-static)
include(${CMAKE_CURRENT_LIST_DIR}/cross-common.cmake)
