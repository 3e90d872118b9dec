// A small DNS stub resolver of our own (RFC 1035) over UDP: queries built and responses parsed here, servers
// from a resolv.conf text. The static agent cannot use glibc's NSS modules (getaddrinfo needs them in a
// static binary), and its diagnostics (NSLookupDiagnostics, host names of IPPing/TraceRoute) need answer
// details getaddrinfo does not give (authoritative flag, the name returned, the server's response time).
// Blocking with a timeout: call it from a worker thread, never from the event loop.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace cpe::net::dns {

inline constexpr uint16_t kTypeA = 1;
inline constexpr uint16_t kTypeCname = 5;
inline constexpr uint16_t kTypeAaaa = 28;
inline constexpr size_t kMaxResponseBytes = 4096;  // what we read of one UDP answer
inline constexpr size_t kMaxAnswers = 32;          // records kept from one answer section

struct Record {
    std::string name;  // owner, without the trailing dot ("www.example.com")
    uint16_t type = 0;
    uint32_t ttl = 0;
    std::string data;  // A/AAAA: the address text; CNAME: the target name; others: empty
};

struct Response {
    uint16_t id = 0;
    bool is_response = false;
    bool authoritative = false;
    bool truncated = false;
    uint8_t rcode = 0;     // 0 no error, 2 server failure, 3 name error (NXDOMAIN), 5 refused
    std::string question;  // the first question's name
    uint16_t question_type = 0;
    std::vector<Record> answers;  // at most kMaxAnswers
};

// A query for `name` (a host name: labels of 1–63 letters/digits/'-'/'_', 253 characters at most, one
// trailing dot allowed) with recursion desired. Errc::invalid_argument names what is wrong with the name.
Result<std::vector<uint8_t>> build_query(uint16_t id, std::string_view name, uint16_t type);
// Parses a response (the network's bytes: tests/fuzz/net_dns_fuzz). Errc::parse_error says where it broke.
Result<Response> parse_response(std::span<const uint8_t> bytes);

// The `nameserver` addresses of a resolv.conf (at most 3, as the C library takes; IPv6 zone ids dropped).
std::vector<std::string> parse_resolv_conf(std::string_view text);

// The addresses a hosts file (hosts(5): "address name [aliases...]", '#' comments) gives `name`, compared
// without case and without a trailing dot, in file order: IPv4 ones when `want_v4`, IPv6 ones when
// `want_v6` (zone ids dropped). Lines whose address is not an IP literal are skipped.
std::vector<std::string> hosts_lookup(std::string_view text, std::string_view name, bool want_v4,
                                      bool want_v6);

struct Answer {
    Response response;
    std::string server;  // the address asked
    uint32_t response_us = 0;
};

// One query to `server` (an IP literal) on port `port`; waits up to `timeout_ms` in slices, asking `stop`
// (may be empty) between them. Errc::timeout when nothing valid came back, Errc::unavailable when the
// server refused (ICMP port unreachable), Errc::invalid_argument for a bad name or server address.
// `device` ("" = any) binds the socket to that interface.
Result<Answer> query(const std::string& server, std::string_view name, uint16_t type, int timeout_ms,
                     const std::function<bool()>& stop = {}, uint16_t port = 53,
                     const std::string& device = "");

// The addresses of `name` from the first of `servers` that answers: A records when `want_v4`, then AAAA when
// `want_v6`. A literal is returned as it is. Errc::not_found when the name does not exist or has no address.
Result<std::vector<std::string>> resolve(std::string_view name, const std::vector<std::string>& servers,
                                         bool want_v4, bool want_v6, int timeout_ms,
                                         const std::function<bool()>& stop = {});

}  // namespace cpe::net::dns
