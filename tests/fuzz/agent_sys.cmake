# libFuzzer targets for the agent's system-source parsers (agent/collectors: system, leases, arp, sysfs_net, identity, ip_addr,
# bridge_fdb, dhcp_config).
foreach(_agent_sys_fuzz system dnsmasq udhcpd arp sysfs_net identity ip_addr bridge_fdb dhcp_config)
    cpe_fuzz_target(agent_sys_${_agent_sys_fuzz}
        SOURCES ${CMAKE_CURRENT_LIST_DIR}/agent_sys_${_agent_sys_fuzz}_fuzz.cpp
        LIBS cpe_agent_collectors)
endforeach()
