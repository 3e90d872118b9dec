// One OLT to read: address, credentials and per-request timing. No net-snmp types here.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "credentials.hpp"

namespace cpe::bridge::olt {

struct Target {
    std::string host;  // IPv4 address, IPv6 address or name
    uint16_t port = 161;
    Credentials credentials;
    std::chrono::milliseconds timeout{1000};  // per attempt
    int retries = 1;                          // attempts after the first

    std::string name() const;  // "host:port", what messages and tables call this OLT
};

}  // namespace cpe::bridge::olt
