# The hub's network-facing parsers beyond the codec: the USP HTTP API's query and body parsing.
if(TARGET cpe_hub_app)
    cpe_fuzz_target(hub_usp_params SOURCES hub_usp_params_fuzz.cpp LIBS cpe_hub_app)
endif()
