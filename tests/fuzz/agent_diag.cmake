# libFuzzer targets for what the agent's diagnostics read from the network (agent/diag/, docs/diagnostics.md).
cpe_fuzz_target(agent_diag_icmp SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/agent_diag_icmp_fuzz.cpp LIBS cpe_agent_diag)
# Our DNS client's response parser and the resolv.conf reader (common/net/dns.*).
cpe_fuzz_target(net_dns SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/net_dns_fuzz.cpp LIBS cpe_net_dns)
# The site survey's parsers of each radio family's tool output (iw scan, wl scanresults, Realtek SS_Result).
cpe_fuzz_target(agent_diag_scan SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/agent_diag_scan_fuzz.cpp LIBS cpe_agent_diag)
# The TR-143 URL argument (from the controller) as the transfer diagnostics parse it.
cpe_fuzz_target(agent_diag_url SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/agent_diag_url_fuzz.cpp LIBS cpe_agent_diag)
