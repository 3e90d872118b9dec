# libFuzzer target for what the agent reads from a downloaded self-update (agent/update/package.*): the
# manifest JSON, the signature check and the ustar header parser. Seeds in corpus/agent_update/.
cpe_fuzz_target(agent_update SOURCES ${CMAKE_CURRENT_LIST_DIR}/agent_update_fuzz.cpp LIBS cpe_agent_update)
