// Sockets in tests: whether a listener answers on an address, a free port, a raw request/answer exchange.
#pragma once

#include <string>

namespace cpe::testkit {

// connect() to addr:port over TCP (IPv4 literal): 0 when it connected, else the errno.
int connect_errno(const char* addr, int port);
// A port nothing listens on right now (bound to 127.0.0.1 and released; SOCK_STREAM or SOCK_DGRAM). It can be
// taken between this call and the caller's bind: callers that can, bind port 0 and read the port back
// instead.
int free_port(int type);
// A TCP socket descriptor, closed once (release() hands it over).
class Socket {
  public:
    Socket() = default;
    explicit Socket(int fd) : fd_(fd) {}
    ~Socket() { reset(); }
    Socket(Socket&& o) noexcept : fd_(o.release()) {}
    Socket& operator=(Socket&& o) noexcept {
        if (this != &o) {
            reset();
            fd_ = o.release();
        }
        return *this;
    }
    Socket(const Socket&) = delete;
    Socket& operator=(const Socket&) = delete;
    int fd() const { return fd_; }
    explicit operator bool() const { return fd_ >= 0; }
    int release() {
        const int fd = fd_;
        fd_ = -1;
        return fd;
    }
    void reset();

  private:
    int fd_ = -1;
};

// A TCP connection to 127.0.0.1:port whose reads time out after `recv_timeout_s`; an empty Socket when
// refused.
Socket connect_loopback(int port, int recv_timeout_s = 10);
// Sends all of `data`; false on a short write or an error (no SIGPIPE).
bool send_all(int fd, const std::string& data);
// Reads until the end of an HTTP head ("\r\n\r\n"), EOF, the receive timeout or `max_bytes`; the text read.
std::string read_head(int fd, size_t max_bytes = 65536);

// Sends `request` on a fresh TCP connection to 127.0.0.1:port and reads the answer to EOF (10 s receive
// timeout), or only to the end of the header block when `read_all` is false.
std::string raw_exchange(int port, const std::string& request, bool read_all = true);

}  // namespace cpe::testkit
