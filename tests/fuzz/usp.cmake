# libFuzzer targets for the USP codec (common/usp): record and message decoders, each also checking
# that what decodes re-encodes to the same value. Seeds in corpus/usp_record and corpus/usp_msg were
# written by usp_fuzz_seeds (below): `usp_fuzz_seeds <dir>` regenerates them.
cpe_fuzz_target(usp_record SOURCES ${CMAKE_CURRENT_LIST_DIR}/usp_record_fuzz.cpp LIBS cpe_usp)
cpe_fuzz_target(usp_msg SOURCES ${CMAKE_CURRENT_LIST_DIR}/usp_msg_fuzz.cpp LIBS cpe_usp)

add_executable(usp_fuzz_seeds ${CMAKE_CURRENT_LIST_DIR}/usp_fuzz_seeds.cpp)
target_link_libraries(usp_fuzz_seeds PRIVATE cpe_usp)
cpe_defaults(usp_fuzz_seeds)
