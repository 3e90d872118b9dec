#include "snmpd_sim.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "kit/kit.hpp"

namespace cpe::test {

namespace {

using testkit::slurp;

void replace_all(std::string& s, const std::string& from, const std::string& to) {
    for (size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size())
        s.replace(pos, from.size(), to);
}

}  // namespace

std::string random_hex(size_t bytes) {
    std::random_device rd;
    std::string out;
    static const char* digits = "0123456789abcdef";
    for (size_t i = 0; i < bytes; ++i) {
        unsigned v = rd() & 0xFF;
        out += digits[v >> 4];
        out += digits[v & 15];
    }
    return out;
}

Result<std::unique_ptr<SnmpdSim>> SnmpdSim::start(const SimOptions& options) {
    std::unique_ptr<SnmpdSim> sim(new SnmpdSim());
    std::string tmpl = (std::filesystem::temp_directory_path() / "cpe-olt-sim-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) return make_error(Errc::io_error, "mkdtemp failed");
    sim->dir_ = tmpl;
    sim->community_ = "c" + random_hex(8);
    sim->v3_user_ = options.v3_user.empty() ? "olt" + random_hex(4) : options.v3_user;
    sim->auth_pass_ = "a" + random_hex(12);
    sim->priv_pass_ = "p" + random_hex(12);
    Status last;
    for (int attempt = 0; attempt < 3; ++attempt) {  // a free port can be taken between probe and bind
        last = sim->launch(options);
        if (last) return sim;
    }
    return last.error();
}

Status SnmpdSim::launch(const SimOptions& options) {
    stop();
    port_ = static_cast<uint16_t>(testkit::free_port(SOCK_DGRAM));
    if (port_ == 0) return make_error(Errc::io_error, "no free UDP port on 127.0.0.1");
    const std::string src = CPE_SOURCE_DIR;
    std::string conf = slurp(src + "/tests/sim/olt/snmpd.conf.in");
    if (conf.empty()) return make_error(Errc::not_found, "tests/sim/olt/snmpd.conf.in missing");
    std::string args;
    for (const auto& a : options.sim_args) args += (args.empty() ? "" : " ") + a;
    replace_all(conf, "@COMMUNITY@", community_);
    replace_all(conf, "@V3_USER@", v3_user_);
    replace_all(conf, "@AUTH_PASS@", auth_pass_);
    replace_all(conf, "@PRIV_PASS@", priv_pass_);
    replace_all(conf, "@PYTHON3@", CPE_PYTHON3);
    replace_all(conf, "@SIM_SCRIPT@", src + "/tests/sim/olt/raisecom_olt_sim.py");
    replace_all(conf, "@SIM_ARGS@", args);
    const std::string persist = dir_ + "/persist";
    std::filesystem::remove_all(persist);
    std::filesystem::create_directories(persist);
    const std::string conf_path = dir_ + "/snmpd.conf";
    const std::string log_path = dir_ + "/snmpd.log";
    const std::string pid_path = dir_ + "/snmpd.pid";
    std::filesystem::remove(log_path);
    write_secret("snmpd.conf", conf);
    const std::string listen = "udp:127.0.0.1:" + std::to_string(port_);

    proc_ = testkit::spawn(
        {CPE_SNMPD, "-f", "-Lf", log_path, "-C", "-c", conf_path, "-p", pid_path, "-I", "-smux", listen},
        dir_ + "/snmpd.out", {"SNMP_PERSISTENT_DIR=" + persist, "SNMPCONFPATH=" + dir_, "MIBS=", "MIBDIRS="});
    if (proc_.pid <= 0) return make_error(Errc::io_error, "cannot start snmpd");
    // snmpd logs its version line once it listens; "Error opening specified endpoint" if the port is taken.
    bool ended = false;
    if (testkit::eventually(
            [&] {
                ended = testkit::exited(proc_);
                return ended || slurp(log_path).find("NET-SNMP version") != std::string::npos;
            },
            15000, 20)) {
        if (!ended) return {};
        return make_error(Errc::unavailable, "snmpd exited at start: " + slurp(log_path));
    }
    stop();
    return make_error(Errc::timeout, "snmpd did not come up within 15 s");
}

void SnmpdSim::stop() {
    testkit::stop(proc_, 3000);
}

SnmpdSim::~SnmpdSim() {
    stop();
    if (!dir_.empty() && !std::getenv("CPE_KEEP_SIM_DIR")) {
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }
}

std::string SnmpdSim::write_secret(const std::string& name, const std::string& text) const {
    const std::string path = dir_ + "/" + name;
    testkit::write_file(path, text, 0600);
    return path;
}

Result<std::string> sim_dump(const std::vector<std::string>& pon_args) {
    std::vector<std::string> argv = {
        CPE_PYTHON3, std::string(CPE_SOURCE_DIR) + "/tests/sim/olt/raisecom_olt_sim.py", "--dump"};
    argv.insert(argv.end(), pon_args.begin(), pon_args.end());
    std::string out;
    if (testkit::capture(argv, out, 120000, false) != 0)
        return make_error(Errc::io_error, "simulator --dump failed");
    return out;
}

}  // namespace cpe::test
