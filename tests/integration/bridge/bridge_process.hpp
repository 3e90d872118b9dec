// Test helpers: the TP-Link simulator and cpe-bridge as child processes, and a tiny HTTP GET.
#pragma once

#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "util/result.hpp"

namespace cpe::test {

// A child process whose first stdout line is awaited (READY … / LISTENING …); stderr goes to a file.
class Child {
public:
    static Result<std::unique_ptr<Child>> start(std::vector<std::string> argv, const std::string& stderr_path);
    ~Child();
    void stop();                    // SIGTERM, then SIGKILL after 5 s; idempotent
    const std::string& first_line() const { return line_; }
    pid_t pid() const { return pid_; }

private:
    Child() = default;
    pid_t pid_ = -1;
    int fd_ = -1;
    std::string line_;
};

class TplinkSim {
public:
    static Result<std::unique_ptr<TplinkSim>> start(std::vector<std::string> args, const std::string& dir);
    std::string host(size_t i = 0) const { return "127.0.0.1:" + std::to_string(ports.at(i)); }
    int64_t stat(const char* key, size_t i = 0) const;  // from /__sim/stats; -1 if unreadable
    std::vector<int> ports;

private:
    std::unique_ptr<Child> child_;
};

struct HttpAnswer {
    long status = 0;
    std::string body;
    std::map<std::string, std::string> headers;  // lower-case names
};
Result<HttpAnswer> http_get(const std::string& url, long timeout_ms = 60000);

std::string make_temp_dir(const char* prefix);
void write_file(const std::string& path, const std::string& text, unsigned mode = 0600);
std::string read_text(const std::string& path);

}  // namespace cpe::test
