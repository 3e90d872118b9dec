# mipsel CPE target (Debian g++ 12 cross compiler by default). See toolchains/README.md.
set(CPE_TARGET mipsel)
set(CPE_DEFAULT_PREFIX mipsel-linux-gnu-)
set(CPE_SYSTEM_PROCESSOR mipsel)
set(CPE_QEMU qemu-mipsel-static)
include(${CMAKE_CURRENT_LIST_DIR}/cross-common.cmake)
