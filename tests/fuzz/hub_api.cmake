# hub/api + hub/diag: a GenieACS NBI device list → TR-181 values → hosts view and consolidated view, the bridge's
# optical and modem-hosts answers, the task body, the lookup serial and the access check on arbitrary header values.
if(TARGET cpe_hub_api_parse)
    cpe_fuzz_target(hub_api SOURCES hub_api_fuzz.cpp LIBS cpe_hub_api_parse)
endif()
