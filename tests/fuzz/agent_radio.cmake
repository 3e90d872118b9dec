# libFuzzer targets for the agent's radio, mesh and optical parsers (docs/sources-radio.md).
foreach(_radio_target iw iw_info wl realtek_wlan mesh econet realtek_pon)
    cpe_fuzz_target(agent_radio_${_radio_target}
        SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/agent_radio_${_radio_target}_fuzz.cpp
        LIBS cpe_agent_collectors)
endforeach()
