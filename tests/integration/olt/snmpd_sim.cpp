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

namespace cpe::test {

namespace {

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void replace_all(std::string& s, const std::string& from, const std::string& to) {
    for (size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size()) s.replace(pos, from.size(), to);
}

uint16_t free_udp_port() {
    int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) return 0;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    socklen_t len = sizeof a;
    uint16_t port = 0;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
        port = ntohs(a.sin_port);
    ::close(fd);
    return port;
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
    port_ = free_udp_port();
    if (port_ == 0) return make_error(Errc::io_error, "no free UDP port on 127.0.0.1");
    const std::string src = CPE_SOURCE_DIR;
    std::string conf = read_file(src + "/tests/sim/olt/snmpd.conf.in");
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

    pid_t pid = ::fork();
    if (pid < 0) return make_error(Errc::io_error, "fork failed");
    if (pid == 0) {
        int null_fd = ::open("/dev/null", O_RDONLY);
        if (null_fd >= 0) ::dup2(null_fd, 0);
        ::setenv("SNMP_PERSISTENT_DIR", persist.c_str(), 1);
        ::setenv("SNMPCONFPATH", dir_.c_str(), 1);
        ::setenv("MIBS", "", 1);
        ::setenv("MIBDIRS", "", 1);
        const char* argv[] = {CPE_SNMPD, "-f", "-Lf", log_path.c_str(), "-C", "-c", conf_path.c_str(),
                              "-p", pid_path.c_str(), "-I", "-smux", listen.c_str(), nullptr};
        ::execv(CPE_SNMPD, const_cast<char* const*>(argv));
        ::_exit(127);
    }
    pid_ = pid;
    // snmpd logs its version line once it listens; "Error opening specified endpoint" if the port is taken.
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (std::chrono::steady_clock::now() < until) {
        std::string log = read_file(log_path);
        if (log.find("NET-SNMP version") != std::string::npos) return {};
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            return make_error(Errc::unavailable, "snmpd exited at start: " + log);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    stop();
    return make_error(Errc::timeout, "snmpd did not come up within 15 s");
}

void SnmpdSim::stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    int status = 0;
    while (std::chrono::steady_clock::now() < until) {
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
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
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd >= 0) {
        ssize_t n = ::write(fd, text.data(), text.size());
        (void)n;
        ::close(fd);
    }
    return path;
}

Result<std::string> sim_dump(const std::vector<std::string>& pon_args) {
    std::string cmd = std::string(CPE_PYTHON3) + " " + CPE_SOURCE_DIR + "/tests/sim/olt/raisecom_olt_sim.py --dump";
    for (const auto& a : pon_args) cmd += " " + a;
    FILE* p = ::popen(cmd.c_str(), "r");
    if (!p) return make_error(Errc::io_error, "cannot run the simulator's --dump");
    std::string out;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    int rc = ::pclose(p);
    if (rc != 0) return make_error(Errc::io_error, "simulator --dump failed");
    return out;
}

}  // namespace cpe::test
