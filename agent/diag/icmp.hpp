// ICMP echo for the diagnostics: a socket that sends echo requests and reads the matching replies, and the
// parser of what such a socket receives (the network's bytes: fuzzed in tests/fuzz/agent_diag_icmp_fuzz).
// An unprivileged "ping socket" (SOCK_DGRAM, IPPROTO_ICMP/ICMPV6) is tried first; when the kernel's
// net.ipv4.ping_group_range excludes our group it is refused (EACCES/EPERM) and a raw socket is used instead
// (needs CAP_NET_RAW, which the agent has as root on the CPE).
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "util/result.hpp"

namespace cpe::agent::diag {

// An IPv4 or IPv6 address with its sockaddr form.
struct Address {
    sockaddr_storage sa{};
    socklen_t len = 0;
    int family() const { return sa.ss_family; }
    std::string text() const;
    static std::optional<Address> parse(const std::string& literal, uint16_t port = 0);  // numeric only
};

// What arrived on an ICMP socket, decoded.
struct IcmpMessage {
    enum class Kind { echo_reply, error, other };
    Kind kind = Kind::other;
    uint8_t type = 0, code = 0;
    uint16_t id = 0, seq = 0;  // echo_reply: of the reply; error: of the echo request it quotes (if any)
    std::span<const uint8_t> payload;  // echo_reply: the data after the 8-byte header
};

// Parses one datagram. `with_ip_header`: a raw IPv4 socket delivers the IP header first (its length from
// IHL). `v6`: ICMPv6 types (129 reply; 1-4 errors) instead of ICMP (0 reply; 3, 11, 12 errors).
// nullopt when the bytes are not a whole ICMP message.
std::optional<IcmpMessage> parse_icmp(std::span<const uint8_t> bytes, bool with_ip_header, bool v6);

// The Internet checksum (RFC 1071) of `bytes`.
uint16_t inet_checksum(std::span<const uint8_t> bytes);

class IcmpSocket {
  public:
    // An echo socket for `family` (AF_INET/AF_INET6); `device` ("" = any) binds it to an interface; `tclass`
    // is the IP TOS / traffic class byte (DSCP << 2).
    static Result<IcmpSocket> open(int family, const std::string& device, int tclass);
    IcmpSocket(IcmpSocket&& o) noexcept : fd_(o.fd_), raw_(o.raw_), family_(o.family_), id_(o.id_) {
        o.fd_ = -1;
    }
    IcmpSocket& operator=(IcmpSocket&& o) noexcept;
    ~IcmpSocket();

    bool raw() const { return raw_; }
    // Connects to `to` (so that only its replies arrive on a ping socket, and the source address is chosen).
    Status connect(const Address& to);
    std::string local_address() const;
    // Sends an echo request with `payload`.
    Status send_echo(uint16_t seq, std::span<const uint8_t> payload);
    // Waits up to `timeout_ms` for an echo reply to `seq` whose payload equals `payload`; other datagrams are
    // skipped. True on a match, false on timeout.
    Result<bool> wait_reply(uint16_t seq, std::span<const uint8_t> payload, int timeout_ms);

  private:
    IcmpSocket(int fd, bool raw, int family, uint16_t id) : fd_(fd), raw_(raw), family_(family), id_(id) {}
    int fd_ = -1;
    bool raw_ = false;
    int family_ = AF_INET;
    uint16_t id_ = 0;  // ping sockets: the kernel's (the local "port")
};

}  // namespace cpe::agent::diag
