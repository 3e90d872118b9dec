# USP hub benchmarks: Get round trip through the hub API, and a load generator of simulated agents.
# They reuse the integration tests' fake agent and hub-process helpers (tests/integration/hub_usp).
if(TARGET cpe_hub_usp_testkit AND TARGET cpe-hub)
    foreach(name usp_roundtrip_bench usp_load_bench)
        add_executable(${name} ${CMAKE_CURRENT_LIST_DIR}/${name}.cpp)
        target_link_libraries(${name} PRIVATE cpe_hub_usp_testkit cpe_usp cpe_net_loop)
        target_compile_definitions(${name} PRIVATE CPE_HUB_BIN="$<TARGET_FILE:cpe-hub>")
        add_dependencies(${name} cpe-hub)
        cpe_defaults(${name})
    endforeach()
endif()
