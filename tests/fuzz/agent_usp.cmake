# libFuzzer target for the agent's USP request handling (agent/usp): record bytes → handler → response bytes.
# Seeds in corpus/agent_usp/ are requests against the TP-Link fixture, written by agent_usp_fuzz_seeds.
cpe_fuzz_target(agent_usp SOURCES ${CMAKE_CURRENT_LIST_DIR}/agent_usp_fuzz.cpp LIBS cpe_agent_usp cpe_agent_model)
target_compile_definitions(agent_usp PRIVATE CPE_SOURCE_DIR="${CMAKE_SOURCE_DIR}")

add_executable(agent_usp_fuzz_seeds ${CMAKE_CURRENT_LIST_DIR}/agent_usp_fuzz_seeds.cpp)
target_link_libraries(agent_usp_fuzz_seeds PRIVATE cpe_usp)
cpe_defaults(agent_usp_fuzz_seeds)
