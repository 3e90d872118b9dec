# bridge/olt: varbinds → PON table decoding and index math on arbitrary OIDs; text parsers (OID, secrets).
if(TARGET cpe_bridge_olt_core)
    cpe_fuzz_target(bridge_olt_walk SOURCES bridge_olt_walk_fuzz.cpp LIBS cpe_bridge_olt_core)
endif()
