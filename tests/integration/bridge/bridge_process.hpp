// Test helpers: the TP-Link simulator and cpe-bridge as child processes, and a tiny HTTP GET.
#pragma once

#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "kit/kit.hpp"
#include "util/result.hpp"

namespace cpe::test {

// A child process (through the integration kit) whose ready line is awaited ("READY …", "LISTENING …"); its
// stdout and stderr go to `log_path`.
class Child {
  public:
    // Errc::timeout when the line does not come within 30 s, Errc::unavailable when the process ends first.
    static Result<std::unique_ptr<Child>> start(std::vector<std::string> argv, const std::string& log_path,
                                                const std::string& ready = "LISTENING ");
    ~Child() { stop(); }
    void stop() { testkit::stop(proc_); }  // SIGTERM, then SIGKILL after 5 s; idempotent
    // The ready line, from its first word ("LISTENING 40123").
    const std::string& first_line() const { return line_; }
    pid_t pid() const { return proc_.pid; }

  private:
    Child() = default;
    testkit::Proc proc_;
    std::string line_;
};

class TplinkSim {
  public:
    // Its output goes to a directory of its own (testkit::SimProcess).
    static Result<std::unique_ptr<TplinkSim>> start(std::vector<std::string> args);
    std::string host(size_t i = 0) const { return "127.0.0.1:" + std::to_string(ports.at(i)); }
    int64_t stat(const char* key, size_t i = 0) const;  // from /__sim/stats; -1 if unreadable
    std::vector<int> ports;

  private:
    std::unique_ptr<testkit::SimProcess> process_;
};

using HttpAnswer = testkit::Http;
// A GET through the kit; an error naming the URL when there is no answer.
Result<HttpAnswer> http_get(const std::string& url, long timeout_ms = 60000);

std::string make_temp_dir(const char* prefix);
using testkit::write_file;
inline std::string read_text(const std::string& path) {
    return testkit::slurp(path);
}

}  // namespace cpe::test
