# Builds (once per target) and imports the four C libraries every program links from source:
# mbedTLS, libwebsockets, cJSON, protobuf-c — and, for the host programs (hub, bridge), libcurl and
# net-snmp — see toolchains/deps.sh. The prefix lives in the build tree (build/deps/<target>) and is
# shared by every preset of that target.
if(NOT CPE_TARGET)
    set(CPE_TARGET host)
endif()
set(CPE_DEPS_ROOT "${CMAKE_SOURCE_DIR}/build/deps" CACHE PATH "where per-target dependency prefixes live")
set(CPE_DEPS_PREFIX "${CPE_DEPS_ROOT}/${CPE_TARGET}")

set(_deps_toolchain "")
if(CMAKE_TOOLCHAIN_FILE)
    get_filename_component(_deps_toolchain "${CMAKE_TOOLCHAIN_FILE}" ABSOLUTE)
endif()
set(_deps_env "")
if(NOT CPE_TARGET STREQUAL "host" AND (CPE_SYSROOT OR NOT CPE_CROSS_PREFIX STREQUAL CPE_DEFAULT_PREFIX))
    # a vendor SDK's prefix/sysroot given on our command line reaches the library builds too ('|'-separated)
    set(_deps_env "CPE_DEPS_CMAKE_ARGS=-DCPE_CROSS_PREFIX=${CPE_CROSS_PREFIX}|-DCPE_SYSROOT=${CPE_SYSROOT}")
endif()
execute_process(
    COMMAND ${CMAKE_COMMAND} -E env ${_deps_env}
            bash "${CMAKE_SOURCE_DIR}/toolchains/deps.sh" build ${CPE_TARGET} "${CPE_DEPS_PREFIX}" "${_deps_toolchain}"
    RESULT_VARIABLE _deps_rc)
if(NOT _deps_rc EQUAL 0)
    message(FATAL_ERROR "building the ${CPE_TARGET} dependencies failed (toolchains/deps.sh build ${CPE_TARGET}); "
                        "on a fresh machine run 'toolchains/deps.sh install' first")
endif()

function(cpe_import_static name file)
    add_library(${name} STATIC IMPORTED GLOBAL)
    set_target_properties(${name} PROPERTIES IMPORTED_LOCATION "${CPE_DEPS_PREFIX}/lib/${file}"
                                             INTERFACE_INCLUDE_DIRECTORIES "${CPE_DEPS_PREFIX}/include")
endfunction()

cpe_import_static(cpe_dep_mbedcrypto libmbedcrypto.a)
cpe_import_static(cpe_dep_mbedx509 libmbedx509.a)
cpe_import_static(cpe_dep_mbedtls libmbedtls.a)
set_property(TARGET cpe_dep_mbedx509 PROPERTY INTERFACE_LINK_LIBRARIES cpe_dep_mbedcrypto)
set_property(TARGET cpe_dep_mbedtls PROPERTY INTERFACE_LINK_LIBRARIES cpe_dep_mbedx509)
add_library(cpe::mbedtls ALIAS cpe_dep_mbedtls)

cpe_import_static(cpe_dep_cjson libcjson.a)
set_property(TARGET cpe_dep_cjson APPEND PROPERTY INTERFACE_INCLUDE_DIRECTORIES "${CPE_DEPS_PREFIX}/include/cjson")
add_library(cpe::cjson ALIAS cpe_dep_cjson)

cpe_import_static(cpe_dep_protobuf_c libprotobuf-c.a)
add_library(cpe::protobuf-c ALIAS cpe_dep_protobuf_c)

find_package(Threads REQUIRED)
cpe_import_static(cpe_dep_websockets libwebsockets.a)
set_property(TARGET cpe_dep_websockets PROPERTY INTERFACE_LINK_LIBRARIES cpe_dep_mbedtls Threads::Threads ${CMAKE_DL_LIBS})
# lws links libcap where its configure found it (the host has it, the CPE sysroots do not).
file(STRINGS "${CPE_DEPS_PREFIX}/include/lws_config.h" _lws_has_cap REGEX "^#define LWS_HAVE_LIBCAP")
if(_lws_has_cap)
    find_library(CPE_LIBCAP NAMES cap REQUIRED)
    set_property(TARGET cpe_dep_websockets APPEND PROPERTY INTERFACE_LINK_LIBRARIES ${CPE_LIBCAP})
endif()
add_library(cpe::websockets ALIAS cpe_dep_websockets)

if(CPE_TARGET STREQUAL "host")
    # libcurl (HTTP/HTTPS on the mbedTLS above): one curl for every host program. find_package(CURL) anywhere
    # in the tree resolves to it too (FindCURL keeps an existing CURL::libcurl and these two variables), so no
    # program links Debian's libcurl and the tree of shared libraries behind it.
    cpe_import_static(cpe_dep_curl libcurl.a)
    set_property(TARGET cpe_dep_curl PROPERTY INTERFACE_LINK_LIBRARIES cpe_dep_mbedtls Threads::Threads)
    set_property(TARGET cpe_dep_curl PROPERTY INTERFACE_COMPILE_DEFINITIONS CURL_STATICLIB)
    add_library(cpe::curl ALIAS cpe_dep_curl)
    add_library(CURL::libcurl ALIAS cpe_dep_curl)
    set(CURL_NO_CURL_CMAKE ON)
    set(CURL_INCLUDE_DIR "${CPE_DEPS_PREFIX}/include" CACHE INTERNAL "our static libcurl (cmake/deps.cmake)")
    set(CURL_LIBRARY "${CPE_DEPS_PREFIX}/lib/libcurl.a" CACHE INTERNAL "our static libcurl (cmake/deps.cmake)")

    # net-snmp's client library, OpenSSL's libcrypto.a (its SNMPv3 crypto) linked inside with its symbols local:
    # the bridge maps no libcrypto.so (toolchains/deps.sh).
    cpe_import_static(cpe_dep_netsnmp libnetsnmp.a)
    set_property(TARGET cpe_dep_netsnmp PROPERTY INTERFACE_LINK_LIBRARIES Threads::Threads ${CMAKE_DL_LIBS} m)
    add_library(cpe::netsnmp ALIAS cpe_dep_netsnmp)
endif()

# protoc-c runs on the build machine whatever the target.
find_program(CPE_PROTOC_C protoc-c)
