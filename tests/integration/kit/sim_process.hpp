// A simulator of tests/sim/ as a child process: it prints "READY <port> [<port>…]" once it listens
// (tests/sim/simkit.py), its output goes to a file in a temporary directory of its own, and it is stopped
// when the object goes.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "kit/files.hpp"
#include "kit/process.hpp"

namespace cpe::testkit {

class SimProcess {
  public:
    // Null when it did not print its READY line within `timeout_s` (or ended first); `why` then holds its
    // output.
    static std::unique_ptr<SimProcess> start(const std::vector<std::string>& argv, int timeout_s = 60,
                                             std::string* why = nullptr);
    ~SimProcess() { stop(proc_); }
    SimProcess(const SimProcess&) = delete;
    SimProcess& operator=(const SimProcess&) = delete;

    const std::vector<int>& ports() const { return ports_; }
    int port(size_t i = 0) const { return ports_.at(i); }
    std::string host(size_t i = 0) const { return "127.0.0.1:" + std::to_string(port(i)); }
    std::string url(size_t i = 0) const { return "http://" + host(i); }
    std::string log() const { return slurp(proc_.out); }

  private:
    SimProcess() : dir_("cpe-sim") {}
    TempDir dir_;
    Proc proc_;
    std::vector<int> ports_;
};

}  // namespace cpe::testkit
