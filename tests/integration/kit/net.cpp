#include "kit/net.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>

namespace cpe::testkit {
namespace {

sockaddr_in address(const char* addr, int port) {
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, addr, &sa.sin_addr);
    return sa;
}

Socket make_socket(int type) {
    return Socket(::socket(AF_INET, type | SOCK_CLOEXEC, 0));
}

}  // namespace

void Socket::reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

Socket connect_loopback(int port, int recv_timeout_s) {
    Socket s = make_socket(SOCK_STREAM);
    if (!s) return s;
    timeval tv{recv_timeout_s, 0};
    ::setsockopt(s.fd(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    sockaddr_in sa = address("127.0.0.1", port);
    if (::connect(s.fd(), reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0) s.reset();
    return s;
}

bool send_all(int fd, const std::string& data) {
    return ::send(fd, data.data(), data.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(data.size());
}

std::string read_head(int fd, size_t max_bytes) {
    std::string head;
    char buf[512];
    while (head.find("\r\n\r\n") == std::string::npos && head.size() < max_bytes) {
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        head.append(buf, static_cast<size_t>(n));
    }
    return head;
}

int connect_errno(const char* addr, int port) {
    Socket s = make_socket(SOCK_STREAM);
    if (s.fd() < 0) return errno;
    sockaddr_in sa = address(addr, port);
    return ::connect(s.fd(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0 ? 0 : errno;
}

int free_port(int type) {
    Socket s = make_socket(type);
    if (s.fd() < 0) return 0;
    sockaddr_in sa = address("127.0.0.1", 0);
    socklen_t len = sizeof sa;
    if (::bind(s.fd(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 ||
        ::getsockname(s.fd(), reinterpret_cast<sockaddr*>(&sa), &len) != 0)
        return 0;
    return ntohs(sa.sin_port);
}

std::string raw_exchange(int port, const std::string& request, bool read_all) {
    Socket s = connect_loopback(port, 10);
    std::string out;
    if (s && send_all(s.fd(), request)) {
        char buf[4096];
        ssize_t n;
        while ((n = ::recv(s.fd(), buf, sizeof buf, 0)) > 0) {
            out.append(buf, static_cast<size_t>(n));
            if (!read_all && out.find("\r\n\r\n") != std::string::npos) break;
        }
    }
    return out;
}

}  // namespace cpe::testkit
