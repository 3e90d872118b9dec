// Starts the real snmpd serving the Raisecom OLT simulator (tests/sim/olt) on a free loopback UDP port,
// with its own configuration and persistent directory in a temp dir, and stops it on destruction.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "kit/process.hpp"
#include "util/result.hpp"

namespace cpe::test {

struct SimOptions {
    std::vector<std::string> sim_args;  // e.g. {"--pon", "1/1/16", "--omit-column", "temperature"}
    std::string v3_user;                // default: a random name
};

class SnmpdSim {
  public:
    static Result<std::unique_ptr<SnmpdSim>> start(const SimOptions& options);
    ~SnmpdSim();
    SnmpdSim(const SnmpdSim&) = delete;
    SnmpdSim& operator=(const SnmpdSim&) = delete;

    void stop();  // SIGTERM, then SIGKILL if snmpd has not exited within 3 s; idempotent
    bool running() const { return proc_.pid > 0; }

    uint16_t port() const { return port_; }
    const std::string& community() const { return community_; }
    const std::string& v3_user() const { return v3_user_; }
    const std::string& auth_pass() const { return auth_pass_; }
    const std::string& priv_pass() const { return priv_pass_; }
    const std::string& dir() const { return dir_; }
    // Writes a file (mode 600) in the temp dir and returns its path.
    std::string write_secret(const std::string& name, const std::string& text) const;

  private:
    SnmpdSim() = default;
    Status launch(const SimOptions& options);

    std::string dir_;
    testkit::Proc proc_;
    uint16_t port_ = 0;
    std::string community_, v3_user_, auth_pass_, priv_pass_;
};

// Runs the simulator script with --dump and the given PON arguments; returns its JSON text.
Result<std::string> sim_dump(const std::vector<std::string>& pon_args);
std::string random_hex(size_t bytes);

}  // namespace cpe::test
