# common/net: the checks every HTTP request head passes before a handler (check_request_head) on targets,
# query strings and header lines built from arbitrary bytes, through percent_decode and parse_query.
if(TARGET cpe_net_http)
    cpe_fuzz_target(net_http_head SOURCES net_http_head_fuzz.cpp LIBS cpe_net_http)
endif()
