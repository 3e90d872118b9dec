# agent_diag_bench: the agent's TR-143 download — VmRSS growth and CPU per Mb/s against curl (bench/README.md).
add_executable(agent_diag_bench ${CMAKE_CURRENT_LIST_DIR}/agent_diag_bench.cpp
               ${CMAKE_SOURCE_DIR}/tests/integration/agent_mtp/test_controller.cpp)
target_link_libraries(agent_diag_bench PRIVATE cpe_net_loop cpe_usp GTest::gtest)
target_include_directories(agent_diag_bench PRIVATE ${CMAKE_SOURCE_DIR}/tests/integration/agent_diag
                           ${CMAKE_SOURCE_DIR}/tests/integration/agent_mtp)
target_compile_definitions(agent_diag_bench PRIVATE CPE_SOURCE_DIR="${CMAKE_SOURCE_DIR}" CPE_AGENT="$<TARGET_FILE:cpe-agent>")
add_dependencies(agent_diag_bench cpe-agent)
cpe_defaults(agent_diag_bench)
