# libFuzzer targets for the TP-Link web-UI client's parsers of network input (bridge/tplink/protocol.hpp).
if(TARGET cpe_bridge_tplink_proto)
    cpe_fuzz_target(bridge_tplink_gdpr SOURCES bridge_tplink_gdpr_fuzz.cpp LIBS cpe_bridge_tplink_proto)
    cpe_fuzz_target(bridge_tplink_act SOURCES bridge_tplink_act_fuzz.cpp LIBS cpe_bridge_tplink_proto)
    cpe_fuzz_target(bridge_tplink_token SOURCES bridge_tplink_token_fuzz.cpp LIBS cpe_bridge_tplink_proto)
    cpe_fuzz_target(bridge_tplink_response SOURCES bridge_tplink_response_fuzz.cpp LIBS cpe_bridge_tplink_proto)
endif()
