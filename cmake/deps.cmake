# The C libraries every program links, as cpe::<name> targets:
#   host programs (hub, bridge, cpectl, the host-built agent and the tests: the host target, not CPE_STATIC) link
#     Debian's packaged libraries (toolchains/deps.sh install puts them there): libwebsockets (OpenSSL), cJSON,
#     protobuf-c, libcurl (OpenSSL), net-snmp, mbedTLS, libqrencode and cairo (cpe-stickers). The operator's
#     security updates reach them.
#   CPE programs (armv7, mips, mipsel, aarch64, and host-cpe: CPE_STATIC) link static -Os builds of mbedTLS,
#     libwebsockets (mbedTLS), cJSON and protobuf-c made from Debian source packages by toolchains/deps.sh build,
#     into build/deps/<target>, shared by every preset of that target.
if(NOT CPE_TARGET)
    set(CPE_TARGET host)
endif()
find_package(Threads REQUIRED)

if(CPE_TARGET STREQUAL "host" AND NOT CPE_STATIC)
    set(CPE_DEPS_FROM_SYSTEM ON)
else()
    set(CPE_DEPS_FROM_SYSTEM OFF)
endif()

if(CPE_DEPS_FROM_SYSTEM)
    find_package(PkgConfig QUIET)
    if(NOT PKG_CONFIG_FOUND)
        message(FATAL_ERROR "pkg-config not found: run 'toolchains/deps.sh install' (or apt-get install pkg-config)")
    endif()
    # cpe::<name> from the pkg-config module <module> of Debian package <package>; a clear stop when it is missing.
    function(cpe_system_library name module package)
        pkg_check_modules(CPE_PC_${name} QUIET IMPORTED_TARGET GLOBAL ${module})
        if(NOT CPE_PC_${name}_FOUND)
            message(FATAL_ERROR "${module} (Debian package ${package}) not found: run 'toolchains/deps.sh install' "
                                "(or apt-get install ${package})")
        endif()
        add_library(cpe::${name} ALIAS PkgConfig::CPE_PC_${name})
    endfunction()
    cpe_system_library(websockets libwebsockets libwebsockets-dev)
    cpe_system_library(cjson libcjson libcjson-dev)
    cpe_system_library(protobuf-c libprotobuf-c libprotobuf-c-dev)
    cpe_system_library(curl libcurl libcurl4-openssl-dev)
    cpe_system_library(netsnmp netsnmp libsnmp-dev)
    cpe_system_library(qrencode libqrencode libqrencode-dev)  # cpe-stickers (provisioning/stickers)
    cpe_system_library(cairo cairo libcairo2-dev)             # its PDF and SVG sheets
    if(NOT TARGET CURL::libcurl)
        add_library(CURL::libcurl ALIAS PkgConfig::CPE_PC_curl)
    endif()
    # mbedTLS 2.28 ships no pkg-config file: the bridge's TP-Link crypto and the hub's certificate reader.
    find_path(CPE_MBEDTLS_INCLUDE mbedtls/ssl.h)
    find_library(CPE_MBEDTLS_LIB mbedtls)
    find_library(CPE_MBEDX509_LIB mbedx509)
    find_library(CPE_MBEDCRYPTO_LIB mbedcrypto)
    if(NOT CPE_MBEDTLS_INCLUDE OR NOT CPE_MBEDTLS_LIB OR NOT CPE_MBEDX509_LIB OR NOT CPE_MBEDCRYPTO_LIB)
        message(FATAL_ERROR "mbedTLS (Debian package libmbedtls-dev) not found: run 'toolchains/deps.sh install' "
                            "(or apt-get install libmbedtls-dev)")
    endif()
    add_library(cpe_dep_mbedtls INTERFACE)
    target_include_directories(cpe_dep_mbedtls INTERFACE "${CPE_MBEDTLS_INCLUDE}")
    target_link_libraries(cpe_dep_mbedtls INTERFACE "${CPE_MBEDTLS_LIB}" "${CPE_MBEDX509_LIB}" "${CPE_MBEDCRYPTO_LIB}")
    add_library(cpe::mbedtls ALIAS cpe_dep_mbedtls)
else()
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

    # deps.sh configures libwebsockets with libcap detection off (and stops if it was found anyway; a prefix of an
    # older recipe is rebuilt): what a build links never depends on what else is installed on the build machine.
    cpe_import_static(cpe_dep_websockets libwebsockets.a)
    set_property(TARGET cpe_dep_websockets PROPERTY INTERFACE_LINK_LIBRARIES cpe_dep_mbedtls Threads::Threads ${CMAKE_DL_LIBS})
    add_library(cpe::websockets ALIAS cpe_dep_websockets)
endif()

# protoc-c runs on the build machine whatever the target.
find_program(CPE_PROTOC_C protoc-c)
