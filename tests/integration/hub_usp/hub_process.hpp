// Test helpers: a temp directory, the real cpe-hub as a child process (ports read from its log lines),
// blocking HTTP through libcurl, an SSE reader on a raw socket, and test certificates made by openssl.
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "kit/kit.hpp"

namespace cpe::hub::test {

// Files, processes, waits and HTTP come from the integration kit (tests/integration/kit).
using testkit::eventually;
using testkit::parse;
using testkit::shell;
using testkit::slurp;
using testkit::TempDir;

// The service token every HubProcess gets (HUB_SERVICE_TOKEN: the access middleware of hub/api protects
// /usp and /sse) and that http() and SseReader send as "Authorization: Bearer …".
extern const char* const kServiceToken;

struct HttpResult {
    long status = 0;  // 0: no response (error holds why)
    std::string body;
    std::string error;
};
HttpResult http(const std::string& method, const std::string& url, const std::string& body = "",
                long timeout_s = 20, bool with_token = true);

class HubProcess {
  public:
    // Starts `binary --config <dir>/hub.json` after writing `config_json` there; its output goes to a log
    // file of its own in `dir`. Waits (bounded) for the line naming its HTTP port.
    HubProcess(const std::string& binary, const TempDir& dir, const std::string& config_json);
    ~HubProcess();
    HubProcess(const HubProcess&) = delete;
    HubProcess& operator=(const HubProcess&) = delete;
    bool started() const { return http_port_ > 0; }
    int http_port() const { return http_port_; }
    int usp_port();  // from its log line (0 while it has not written it)
    int pid() const { return proc_.pid; }
    std::string url(const std::string& path) const {
        return "http://127.0.0.1:" + std::to_string(http_port_) + path;
    }
    // SIGTERM and wait; returns the exit status (or -1).
    int stop();
    std::vector<std::string> log_lines() const;
    size_t count_lines(const std::string& needle) const;

  private:
    testkit::Proc proc_;
    int http_port_ = 0;
    int usp_port_ = 0;
};

// Reads an SSE stream: connects, sends the GET, collects text until `needle` appears (bounded wait).
class SseReader {
  public:
    SseReader(int port, const std::string& path_and_query);
    bool wait_for(const std::string& needle, int timeout_ms = 10000);
    // Reads until `done(text so far)` is true (bounded wait); false on timeout or when the stream ends.
    bool wait_until(const std::function<bool(const std::string&)>& done, int timeout_ms = 10000);
    const std::string& text() const { return buffer_; }

  private:
    testkit::Socket socket_;
    std::string buffer_;
};

// openssl CLI: a CA, a server certificate for 127.0.0.1 and client certificates with the given CN
// (and optional SAN URI): <name>.crt, <name>.key and <name>.pem (key + certificate in one file, which is
// what libwebsockets 4.1 with mbedTLS reads for a client certificate). Returns false with a message on
// failure.
struct TestPki {
    std::string ca_cert, ca_key, server_cert, server_key;
};
bool make_ca_and_server(const TempDir& dir, TestPki& pki, std::string& error);
bool make_client_cert(const TempDir& dir, const TestPki& pki, const std::string& name, const std::string& cn,
                      const std::string& san_uri, std::string& error);

// A shell command line's status, its stdout and stderr in `output` (the kit's shell()).
inline int run_command(const std::string& command, std::string* output = nullptr) {
    return shell(command, output);
}

}  // namespace cpe::hub::test
