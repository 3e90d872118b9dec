#include "diag/icmp.hpp"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/random.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <vector>

namespace cpe::agent::diag {

std::string Address::text() const {
    char buf[INET6_ADDRSTRLEN] = {};
    if (sa.ss_family == AF_INET)
        inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&sa)->sin_addr, buf, sizeof(buf));
    else if (sa.ss_family == AF_INET6)
        inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&sa)->sin6_addr, buf, sizeof(buf));
    return buf;
}

std::optional<Address> Address::parse(const std::string& literal, uint16_t port) {
    Address a;
    auto* v4 = reinterpret_cast<sockaddr_in*>(&a.sa);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&a.sa);
    if (inet_pton(AF_INET, literal.c_str(), &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        a.len = sizeof(sockaddr_in);
        return a;
    }
    if (inet_pton(AF_INET6, literal.c_str(), &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        a.len = sizeof(sockaddr_in6);
        return a;
    }
    return std::nullopt;
}

uint16_t inet_checksum(std::span<const uint8_t> bytes) {
    uint32_t sum = 0;
    size_t i = 0;
    for (; i + 1 < bytes.size(); i += 2) sum += static_cast<uint32_t>(bytes[i]) << 8 | bytes[i + 1];
    if (i < bytes.size()) sum += static_cast<uint32_t>(bytes[i]) << 8;
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<uint16_t>(~sum);
}

namespace {

uint16_t be16(const uint8_t* p) {
    return static_cast<uint16_t>(p[0] << 8 | p[1]);
}

}  // namespace

std::optional<IcmpMessage> parse_icmp(std::span<const uint8_t> bytes, bool with_ip_header, bool v6) {
    if (with_ip_header) {
        if (bytes.empty() || (bytes[0] >> 4) != 4) return std::nullopt;
        const size_t ihl = size_t{bytes[0] & 0x0fu} * 4;
        if (ihl < 20 || bytes.size() < ihl) return std::nullopt;
        if (bytes[9] != IPPROTO_ICMP) return std::nullopt;
        bytes = bytes.subspan(ihl);
    }
    if (bytes.size() < 8) return std::nullopt;
    IcmpMessage m;
    m.type = bytes[0];
    m.code = bytes[1];
    const uint8_t reply = v6 ? 129 : 0;
    const bool error = v6 ? (m.type >= 1 && m.type <= 4) : (m.type == 3 || m.type == 11 || m.type == 12);
    if (m.type == reply) {
        m.kind = IcmpMessage::Kind::echo_reply;
        m.id = be16(&bytes[4]);
        m.seq = be16(&bytes[6]);
        m.payload = bytes.subspan(8);
        return m;
    }
    if (!error) return m;
    m.kind = IcmpMessage::Kind::error;
    // The error quotes the offending packet: its IP header (IPv4: IHL; IPv6: 40 bytes, no extension headers
    // followed) and at least 8 bytes of what it carried.
    std::span<const uint8_t> quoted = bytes.subspan(8);
    if (!v6) {
        if (quoted.empty() || (quoted[0] >> 4) != 4) return m;
        const size_t ihl = size_t{quoted[0] & 0x0fu} * 4;
        if (ihl < 20 || quoted.size() < ihl + 8) return m;
        if (quoted[9] == IPPROTO_ICMP && quoted[ihl] == 8) {
            m.id = be16(&quoted[ihl + 4]);
            m.seq = be16(&quoted[ihl + 6]);
        }
    } else {
        if (quoted.size() < 48 || (quoted[0] >> 4) != 6) return m;
        if (quoted[6] == IPPROTO_ICMPV6 && quoted[40] == 128) {
            m.id = be16(&quoted[44]);
            m.seq = be16(&quoted[46]);
        }
    }
    return m;
}

IcmpSocket& IcmpSocket::operator=(IcmpSocket&& o) noexcept {
    if (this != &o) {
        if (fd_ >= 0) close(fd_);
        fd_ = o.fd_;
        raw_ = o.raw_;
        family_ = o.family_;
        id_ = o.id_;
        o.fd_ = -1;
    }
    return *this;
}

IcmpSocket::~IcmpSocket() {
    if (fd_ >= 0) close(fd_);
}

Result<IcmpSocket> IcmpSocket::open(int family, const std::string& device, int tclass) {
    const int proto = family == AF_INET6 ? static_cast<int>(IPPROTO_ICMPV6) : static_cast<int>(IPPROTO_ICMP);
    bool raw = false;
    int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, proto);
    if (fd < 0 && (errno == EACCES || errno == EPERM || errno == EPROTONOSUPPORT)) {
        fd = socket(family, SOCK_RAW | SOCK_CLOEXEC, proto);
        raw = true;
    }
    if (fd < 0)
        return make_error(Errc::denied, std::string("cannot open an ICMP socket (ping socket refused by "
                                                    "net.ipv4.ping_group_range, raw socket: ") +
                                            strerror(errno) + ")");
    uint16_t id = 0;
    if (raw && getrandom(&id, sizeof(id), 0) != sizeof(id)) id = static_cast<uint16_t>(getpid());
    IcmpSocket s(fd, raw, family, id);
    if (!device.empty() && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, device.c_str(),
                                      static_cast<socklen_t>(device.size())) != 0)
        return make_error(Errc::io_error,
                          "cannot bind the ICMP socket to " + device + ": " + strerror(errno));
    if (tclass) {
        const int r = family == AF_INET6 ? setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &tclass, sizeof(tclass))
                                         : setsockopt(fd, IPPROTO_IP, IP_TOS, &tclass, sizeof(tclass));
        if (r != 0) return make_error(Errc::io_error, std::string("cannot set the DSCP: ") + strerror(errno));
    }
    return s;
}

Status IcmpSocket::connect(const Address& to) {
    Address a = to;
    if (a.family() == AF_INET)
        reinterpret_cast<sockaddr_in*>(&a.sa)->sin_port = 0;
    else
        reinterpret_cast<sockaddr_in6*>(&a.sa)->sin6_port = 0;
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&a.sa), a.len) != 0)
        return make_error(Errc::unavailable, "cannot reach " + to.text() + ": " + strerror(errno));
    if (!raw_) {  // the kernel uses the ping socket's local "port" as the echo identifier
        sockaddr_storage local{};
        socklen_t len = sizeof(local);
        if (getsockname(fd_, reinterpret_cast<sockaddr*>(&local), &len) == 0)
            id_ = ntohs(family_ == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&local)->sin6_port
                                            : reinterpret_cast<sockaddr_in*>(&local)->sin_port);
    }
    return {};
}

std::string IcmpSocket::local_address() const {
    Address a;
    a.len = sizeof(a.sa);
    if (getsockname(fd_, reinterpret_cast<sockaddr*>(&a.sa), &a.len) != 0) return {};
    return a.text();
}

Status IcmpSocket::send_echo(uint16_t seq, std::span<const uint8_t> payload) {
    std::vector<uint8_t> pkt(8 + payload.size());
    pkt[0] = family_ == AF_INET6 ? 128 : 8;
    pkt[4] = static_cast<uint8_t>(id_ >> 8);
    pkt[5] = static_cast<uint8_t>(id_);
    pkt[6] = static_cast<uint8_t>(seq >> 8);
    pkt[7] = static_cast<uint8_t>(seq);
    if (!payload.empty()) memcpy(pkt.data() + 8, payload.data(), payload.size());
    if (family_ == AF_INET) {  // ICMPv6 checksums are the kernel's (it knows the pseudo-header)
        const uint16_t sum = inet_checksum(pkt);
        pkt[2] = static_cast<uint8_t>(sum >> 8);
        pkt[3] = static_cast<uint8_t>(sum);
    }
    if (::send(fd_, pkt.data(), pkt.size(), 0) < 0) {
        // An unreachable network or a refused send (EHOSTUNREACH, ENETUNREACH) is a lost probe, not an error.
        if (errno == EHOSTUNREACH || errno == ENETUNREACH || errno == ECONNREFUSED || errno == EHOSTDOWN)
            return {};
        return make_error(Errc::io_error, std::string("send: ") + strerror(errno));
    }
    return {};
}

Result<bool> IcmpSocket::wait_reply(uint16_t seq, std::span<const uint8_t> payload, int timeout_ms) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    std::vector<uint8_t> buf(65536 + 64);
    while (true) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
        if (left.count() <= 0) return false;
        pollfd p{fd_, POLLIN, 0};
        const int r = poll(&p, 1, static_cast<int>(left.count()));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return false;
        const ssize_t n = recv(fd_, buf.data(), buf.size(), MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR || errno == ECONNREFUSED || errno == EHOSTUNREACH) continue;
            return make_error(Errc::io_error, std::string("recv: ") + strerror(errno));
        }
        auto m = parse_icmp(std::span<const uint8_t>(buf.data(), static_cast<size_t>(n)),
                            raw_ && family_ == AF_INET, family_ == AF_INET6);
        if (!m || m->kind != IcmpMessage::Kind::echo_reply) continue;
        if (m->seq != seq || (raw_ && m->id != id_)) continue;
        if (m->payload.size() != payload.size() ||
            !std::equal(payload.begin(), payload.end(), m->payload.begin()))
            continue;
        return true;
    }
}

}  // namespace cpe::agent::diag
