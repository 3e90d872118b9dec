# armv7 CPE target (Debian g++ 12 cross compiler by default). See toolchains/README.md.
set(CPE_TARGET armv7)
set(CPE_DEFAULT_PREFIX arm-linux-gnueabihf-)
set(CPE_SYSTEM_PROCESSOR arm)
set(CPE_QEMU qemu-arm-static)
include(${CMAKE_CURRENT_LIST_DIR}/cross-common.cmake)
