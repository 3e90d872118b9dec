# bench/olt.cmake — include()d from bench/CMakeLists.txt. olt_pon_bench: bridge/olt vs snmpbulkwalk on the
# Raisecom simulator (tests/sim/olt) served by a real snmpd it starts itself.
find_program(CPE_SNMPD_PROGRAM snmpd PATHS /usr/sbin /usr/local/sbin)
find_program(CPE_SNMPBULKWALK_PROGRAM snmpbulkwalk)
find_program(CPE_PYTHON3_PROGRAM python3 PATHS /usr/bin NO_DEFAULT_PATH)
if(TARGET cpe_bridge_olt AND TARGET cpe_test_kit AND CPE_SNMPD_PROGRAM AND CPE_SNMPBULKWALK_PROGRAM AND CPE_PYTHON3_PROGRAM)
    add_executable(olt_pon_bench ${CMAKE_CURRENT_LIST_DIR}/olt_pon_bench.cpp
                                 ${CMAKE_SOURCE_DIR}/tests/integration/olt/snmpd_sim.cpp)
    target_include_directories(olt_pon_bench PRIVATE ${CMAKE_SOURCE_DIR}/tests/integration/olt)
    target_link_libraries(olt_pon_bench PRIVATE cpe_bridge_olt cpe_test_kit)  # snmpd_sim starts snmpd with the kit
    target_compile_definitions(olt_pon_bench PRIVATE
        CPE_SOURCE_DIR="${CMAKE_SOURCE_DIR}"
        CPE_SNMPD="${CPE_SNMPD_PROGRAM}"
        CPE_SNMPBULKWALK="${CPE_SNMPBULKWALK_PROGRAM}"
        CPE_PYTHON3="${CPE_PYTHON3_PROGRAM}")
    cpe_program(olt_pon_bench)
endif()
