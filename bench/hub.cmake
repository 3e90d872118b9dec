# bench/hub.cmake — include()d from bench/CMakeLists.txt. The hub's device API ("Diagnostiquer") benchmarks are
# driven by bench/hub_bench.sh (→ hub_bench.py: simulators, cpe-hub, cpe-agent, wrk); the only program built
# here is the throughput baseline: the hub's HTTP stack answering a fixed body.
if(TARGET cpe_net_http)
    add_executable(hub_static_server ${CMAKE_CURRENT_LIST_DIR}/hub_static_server.cpp)
    target_link_libraries(hub_static_server PRIVATE cpe_net_http)
    cpe_program(hub_static_server)
endif()
