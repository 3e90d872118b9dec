# libFuzzer targets for certificate renewal over USP: the agent's InstallCertificate()/RenewCertificate()
# argument handling and certificate checks (agent/provision/renewal_commands.*), and the hub's check of the
# CSR an agent sends (hub/controller/fleet_ca.*). Seeds in corpus/agent_renewal/ and corpus/hub_cert_renewal/.
cpe_fuzz_target(agent_renewal SOURCES ${CMAKE_CURRENT_LIST_DIR}/agent_renewal_fuzz.cpp LIBS cpe_agent_provision)
if(TARGET cpe_hub_controller)
    cpe_fuzz_target(hub_cert_renewal SOURCES ${CMAKE_CURRENT_LIST_DIR}/hub_cert_renewal_fuzz.cpp LIBS cpe_hub_controller)
endif()
