# hub/qr: the /q/<mac> path parameter, form bodies, the one-time code, Cookie headers, signed session cookies,
# Accept-Language and the phone number from ERPNext (docs/qr.md).
if(TARGET cpe_hub_qr_core)
    cpe_fuzz_target(hub_qr SOURCES hub_qr_fuzz.cpp LIBS cpe_hub_qr_core)
endif()
