# mips CPE target (Debian g++ 12 cross compiler by default). See toolchains/README.md.
set(CPE_TARGET mips)
set(CPE_DEFAULT_PREFIX mips-linux-gnu-)
set(CPE_SYSTEM_PROCESSOR mips)
set(CPE_QEMU qemu-mips-static)
include(${CMAKE_CURRENT_LIST_DIR}/cross-common.cmake)
