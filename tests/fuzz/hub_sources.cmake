# libFuzzer targets for the hub sources' parsers of network input (hub/sources): GenieACS device JSON → records,
# Frappe JSON → records (and Frappe error bodies).
if(TARGET cpe_hub_sources_parse)
    cpe_fuzz_target(hub_sources_genieacs SOURCES hub_sources_genieacs_fuzz.cpp LIBS cpe_hub_sources_parse)
    cpe_fuzz_target(hub_sources_frappe SOURCES hub_sources_frappe_fuzz.cpp LIBS cpe_hub_sources_parse)
endif()
