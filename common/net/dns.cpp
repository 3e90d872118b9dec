#include "net/dns.hpp"
#include "util/fd.hpp"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstring>
#include <ctime>

namespace cpe::net::dns {

namespace {

bool label_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

uint16_t be16(const uint8_t* p) {
    return static_cast<uint16_t>(p[0] << 8 | p[1]);
}
uint32_t be32(const uint8_t* p) {
    return static_cast<uint32_t>(p[0]) << 24 | static_cast<uint32_t>(p[1]) << 16 |
           static_cast<uint32_t>(p[2]) << 8 | p[3];
}

// Reads a (possibly compressed) name at `pos`; `pos` moves past it in the message. Pointers must go backwards
// (so they cannot loop) and the name stays within 255 bytes.
Result<std::string> read_name(std::span<const uint8_t> msg, size_t& pos) {
    std::string name;
    size_t at = pos;
    bool jumped = false;
    size_t wire_len = 0;
    for (int hops = 0;; ++hops) {
        if (at >= msg.size()) return make_error(Errc::parse_error, "DNS name runs past the message");
        const uint8_t len = msg[at];
        if ((len & 0xc0) == 0xc0) {
            if (at + 1 >= msg.size())
                return make_error(Errc::parse_error, "DNS compression pointer cut short");
            const size_t target = static_cast<size_t>(len & 0x3f) << 8 | msg[at + 1];
            if (target >= at || hops > 64)
                return make_error(Errc::parse_error, "DNS compression pointer does not point back");
            if (!jumped) pos = at + 2;
            jumped = true;
            at = target;
            continue;
        }
        if (len & 0xc0) return make_error(Errc::parse_error, "DNS label type is not supported");
        if (len == 0) {
            if (!jumped) pos = at + 1;
            return name;
        }
        if (at + 1 + len > msg.size())
            return make_error(Errc::parse_error, "DNS label runs past the message");
        wire_len += len + 1;
        if (wire_len > 255) return make_error(Errc::parse_error, "DNS name longer than 255 bytes");
        if (!name.empty()) name += '.';
        for (size_t i = 0; i < len; ++i) {
            const char c = static_cast<char>(msg[at + 1 + i]);
            name += (c > 0x20 && c < 0x7f) ? c : '?';
        }
        at += 1 + len;
    }
}

}  // namespace

Result<std::vector<uint8_t>> build_query(uint16_t id, std::string_view name, uint16_t type) {
    if (!name.empty() && name.back() == '.') name.remove_suffix(1);
    if (name.empty()) return make_error(Errc::invalid_argument, "host name is empty");
    if (name.size() > 253)
        return make_error(Errc::invalid_argument, "host name is longer than 253 characters");
    std::vector<uint8_t> q = {
        static_cast<uint8_t>(id >> 8), static_cast<uint8_t>(id), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
    size_t start = 0;
    while (start <= name.size()) {
        size_t dot = name.find('.', start);
        if (dot == std::string_view::npos) dot = name.size();
        std::string_view label = name.substr(start, dot - start);
        if (label.empty())
            return make_error(Errc::invalid_argument,
                              "host name '" + std::string(name) + "' has an empty label");
        if (label.size() > 63)
            return make_error(Errc::invalid_argument,
                              "host name label '" + std::string(label) + "' is longer than 63");
        for (char c : label)
            if (!label_char(c))
                return make_error(Errc::invalid_argument, "host name '" + std::string(name) +
                                                              "' has a character DNS names cannot have");
        q.push_back(static_cast<uint8_t>(label.size()));
        q.insert(q.end(), label.begin(), label.end());
        start = dot + 1;
    }
    q.push_back(0);
    q.push_back(static_cast<uint8_t>(type >> 8));
    q.push_back(static_cast<uint8_t>(type));
    q.push_back(0);
    q.push_back(1);  // class IN
    return q;
}

Result<Response> parse_response(std::span<const uint8_t> msg) {
    if (msg.size() < 12) return make_error(Errc::parse_error, "DNS message shorter than its 12-byte header");
    Response r;
    r.id = be16(&msg[0]);
    r.is_response = msg[2] & 0x80;
    r.authoritative = msg[2] & 0x04;
    r.truncated = msg[2] & 0x02;
    r.rcode = msg[3] & 0x0f;
    const uint16_t qd = be16(&msg[4]), an = be16(&msg[6]);
    size_t pos = 12;
    for (uint16_t i = 0; i < qd; ++i) {
        auto n = read_name(msg, pos);
        if (!n) return n.error();
        if (pos + 4 > msg.size()) return make_error(Errc::parse_error, "DNS question cut short");
        if (i == 0) {
            r.question = *n;
            r.question_type = be16(&msg[pos]);
        }
        pos += 4;
    }
    for (uint16_t i = 0; i < an; ++i) {
        auto n = read_name(msg, pos);
        if (!n) return n.error();
        if (pos + 10 > msg.size()) return make_error(Errc::parse_error, "DNS answer record cut short");
        Record rec;
        rec.name = *n;
        rec.type = be16(&msg[pos]);
        const uint16_t cls = be16(&msg[pos + 2]);
        rec.ttl = be32(&msg[pos + 4]);
        const uint16_t rdlen = be16(&msg[pos + 8]);
        pos += 10;
        if (pos + rdlen > msg.size())
            return make_error(Errc::parse_error, "DNS record data runs past the message");
        char buf[INET6_ADDRSTRLEN] = {};
        if (cls != 1) {
            // not Internet class: skipped
        } else if (rec.type == kTypeA) {
            if (rdlen != 4) return make_error(Errc::parse_error, "DNS A record is not 4 bytes");
            inet_ntop(AF_INET, &msg[pos], buf, sizeof(buf));
            rec.data = buf;
        } else if (rec.type == kTypeAaaa) {
            if (rdlen != 16) return make_error(Errc::parse_error, "DNS AAAA record is not 16 bytes");
            inet_ntop(AF_INET6, &msg[pos], buf, sizeof(buf));
            rec.data = buf;
        } else if (rec.type == kTypeCname) {
            size_t p = pos;
            auto target = read_name(msg.first(pos + rdlen), p);
            if (!target) return target.error();
            rec.data = *target;
        }
        pos += rdlen;
        if (r.answers.size() < kMaxAnswers) r.answers.push_back(std::move(rec));
    }
    return r;
}

std::vector<std::string> parse_resolv_conf(std::string_view text) {
    std::vector<std::string> out;
    size_t start = 0;
    while (start < text.size() && out.size() < 3) {
        size_t nl = text.find('\n', start);
        if (nl == std::string_view::npos) nl = text.size();
        std::string_view line = text.substr(start, nl - start);
        start = nl + 1;
        auto skip_space = [](std::string_view s) {
            while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
            return s;
        };
        line = skip_space(line);
        if (!line.starts_with("nameserver")) continue;
        line.remove_prefix(10);
        if (line.empty() || (line.front() != ' ' && line.front() != '\t')) continue;
        line = skip_space(line);
        size_t end = 0;
        while (end < line.size() && line[end] != ' ' && line[end] != '\t' && line[end] != '\r' &&
               line[end] != '#' && line[end] != ';')
            ++end;
        std::string addr(line.substr(0, end));
        if (size_t pct = addr.find('%'); pct != std::string::npos) addr.resize(pct);
        in6_addr a6;
        in_addr a4;
        if (inet_pton(AF_INET, addr.c_str(), &a4) == 1 || inet_pton(AF_INET6, addr.c_str(), &a6) == 1)
            out.push_back(addr);
    }
    return out;
}

std::vector<std::string> hosts_lookup(std::string_view text, std::string_view name, bool want_v4,
                                      bool want_v6) {
    std::vector<std::string> out;
    if (name.ends_with('.')) name.remove_suffix(1);
    if (name.empty()) return out;
    auto same = [](std::string_view a, std::string_view b) {
        if (b.ends_with('.')) b.remove_suffix(1);
        if (a.size() != b.size()) return false;
        for (size_t i = 0; i < a.size(); ++i)
            if (std::tolower(static_cast<unsigned char>(a[i])) !=
                std::tolower(static_cast<unsigned char>(b[i])))
                return false;
        return true;
    };
    size_t start = 0;
    while (start < text.size() && out.size() < kMaxAnswers) {
        size_t nl = text.find('\n', start);
        if (nl == std::string_view::npos) nl = text.size();
        std::string_view line = text.substr(start, nl - start);
        start = nl + 1;
        if (size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
        std::vector<std::string_view> words;
        size_t i = 0;
        while (i < line.size()) {
            while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
            size_t j = i;
            while (j < line.size() && line[j] != ' ' && line[j] != '\t' && line[j] != '\r') ++j;
            if (j > i) words.push_back(line.substr(i, j - i));
            i = j;
        }
        if (words.size() < 2) continue;
        bool match = false;
        for (size_t w = 1; w < words.size() && !match; ++w) match = same(name, words[w]);
        if (!match) continue;
        std::string addr(words[0]);
        if (size_t pct = addr.find('%'); pct != std::string::npos) addr.resize(pct);
        in_addr a4;
        in6_addr a6;
        if ((want_v4 && inet_pton(AF_INET, addr.c_str(), &a4) == 1) ||
            (want_v6 && inet_pton(AF_INET6, addr.c_str(), &a6) == 1))
            out.push_back(addr);
    }
    return out;
}

Result<Answer> query(const std::string& server, std::string_view name, uint16_t type, int timeout_ms,
                     const std::function<bool()>& stop, uint16_t port, const std::string& device) {
    sockaddr_storage ss{};
    socklen_t len = 0;
    auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
    if (inet_pton(AF_INET, server.c_str(), &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        len = sizeof(*v4);
    } else if (inet_pton(AF_INET6, server.c_str(), &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        len = sizeof(*v6);
    } else {
        return make_error(Errc::invalid_argument, "DNS server '" + server + "' is not an IP address");
    }
    uint16_t id = 0;
    if (getrandom(&id, sizeof(id), 0) != sizeof(id)) id = static_cast<uint16_t>(getpid() ^ time(nullptr));
    auto q = build_query(id, name, type);
    if (!q) return q.error();
    Fd fd(socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (fd.get() < 0) return make_error(Errc::io_error, std::string("DNS socket: ") + strerror(errno));
    if (!device.empty() && setsockopt(fd.get(), SOL_SOCKET, SO_BINDTODEVICE, device.c_str(),
                                      static_cast<socklen_t>(device.size())) != 0)
        return make_error(Errc::io_error, "cannot bind the DNS socket to " + device + ": " + strerror(errno));
    // connect(): only the server's datagrams arrive, and a refusal comes back as ECONNREFUSED.
    if (connect(fd.get(), reinterpret_cast<sockaddr*>(&ss), len) != 0)
        return make_error(Errc::unavailable, "DNS server " + server + ": " + strerror(errno));
    const auto t0 = std::chrono::steady_clock::now();
    if (send(fd.get(), q->data(), q->size(), 0) < 0)
        return make_error(Errc::unavailable, "DNS server " + server + ": " + strerror(errno));
    std::vector<uint8_t> buf(kMaxResponseBytes);
    const auto end = t0 + std::chrono::milliseconds(timeout_ms);
    while (true) {
        if (stop && stop()) return make_error(Errc::timeout, "DNS query stopped");
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now())
                .count();
        if (left <= 0)
            return make_error(Errc::timeout, "DNS server " + server + " did not answer in " +
                                                 std::to_string(timeout_ms) + " ms");
        pollfd p{fd.get(), POLLIN, 0};
        const int r = poll(&p, 1, static_cast<int>(std::min<int64_t>(left, 100)));
        if (r < 0 && errno != EINTR)
            return make_error(Errc::io_error, std::string("poll: ") + strerror(errno));
        if (r <= 0) continue;
        const ssize_t n = recv(fd.get(), buf.data(), buf.size(), MSG_DONTWAIT);
        if (n < 0) {
            if (errno == ECONNREFUSED)
                return make_error(Errc::unavailable, "DNS server " + server + " refused the query");
            if (errno == EAGAIN || errno == EINTR) continue;
            return make_error(Errc::io_error, std::string("recv: ") + strerror(errno));
        }
        auto resp = parse_response(std::span<const uint8_t>(buf.data(), static_cast<size_t>(n)));
        if (!resp || !resp->is_response || resp->id != id) continue;  // not the answer to this query
        Answer a;
        a.response = std::move(*resp);
        a.server = server;
        a.response_us = static_cast<uint32_t>(
            std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0)
                .count());
        return a;
    }
}

Result<std::vector<std::string>> resolve(std::string_view name, const std::vector<std::string>& servers,
                                         bool want_v4, bool want_v6, int timeout_ms,
                                         const std::function<bool()>& stop) {
    const std::string literal(name);
    in_addr a4;
    in6_addr a6;
    if ((want_v4 && inet_pton(AF_INET, literal.c_str(), &a4) == 1) ||
        (want_v6 && inet_pton(AF_INET6, literal.c_str(), &a6) == 1))
        return std::vector<std::string>{literal};
    if (servers.empty()) return make_error(Errc::unavailable, "no DNS server configured");
    Error last = make_error(Errc::unavailable, "no DNS server answered");
    for (const std::string& server : servers) {
        std::vector<std::string> out;
        bool answered = false, name_error = false;
        for (uint16_t type : {kTypeA, kTypeAaaa}) {
            if ((type == kTypeA && !want_v4) || (type == kTypeAaaa && !want_v6)) continue;
            auto a = query(server, name, type, timeout_ms, stop);
            if (!a) {
                if (a.error().code == Errc::invalid_argument) return a.error();
                last = a.error();
                continue;
            }
            answered = true;
            if (a->response.rcode == 3) name_error = true;
            for (const Record& r : a->response.answers)
                if (r.type == type && !r.data.empty()) out.push_back(r.data);
        }
        if (!out.empty()) return out;
        if (name_error || answered) return make_error(Errc::not_found, "'" + literal + "' has no address");
    }
    return last;
}

}  // namespace cpe::net::dns
