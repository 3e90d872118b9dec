# libFuzzer targets for what the agent's diagnostics read from the network (agent/diag/, docs/diagnostics.md).
cpe_fuzz_target(agent_diag_icmp SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/agent_diag_icmp_fuzz.cpp LIBS cpe_agent_diag)
