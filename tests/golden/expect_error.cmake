# Runs COMMAND and checks that it fails with EXPECT_RC and that stderr contains EXPECT_STDERR.
execute_process(COMMAND ${COMMAND} OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc TIMEOUT 50)
if(NOT rc STREQUAL "${EXPECT_RC}")
    message(FATAL_ERROR "expected exit ${EXPECT_RC}, got ${rc}; stderr: ${err}")
endif()
string(FIND "${err}" "${EXPECT_STDERR}" at)
if(at EQUAL -1)
    message(FATAL_ERROR "stderr does not mention '${EXPECT_STDERR}': ${err}")
endif()
