# bridge/api: what a REST client or the operator controls — PON numbers in the path, the query string, the config.
if(TARGET cpe_bridge_api_core)
    cpe_fuzz_target(bridge_api SOURCES bridge_api_fuzz.cpp LIBS cpe_bridge_api_core)
endif()
