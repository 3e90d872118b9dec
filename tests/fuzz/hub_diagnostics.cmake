# hub/diagnostics: the POST /devices/:id/diagnostics body (parse_request) and a device's output arguments rendered
# as the result (render_result).
if(TARGET cpe_hub_diagnostics_parse)
    cpe_fuzz_target(hub_diagnostics SOURCES hub_diagnostics_fuzz.cpp LIBS cpe_hub_diagnostics_parse)
endif()
