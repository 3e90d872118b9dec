# libFuzzer target for cpe-stickers' input parsers (provisioning/stickers): the device CSV, MACs in any notation,
# the hub URL and label layouts (JSON).
if(TARGET cpe_stickers_input)
    cpe_fuzz_target(provisioning_stickers_input SOURCES provisioning_stickers_input_fuzz.cpp LIBS cpe_stickers_input)
endif()
