// The diagnostics on a real network: namespaces made here with `ip netns`, the agent (XX230v fixture) in a
// "cpe" namespace, routed hops r1 and r2, and a server namespace with dnsmasq. The cpe↔r1 link is two TUN
// devices joined by the tests' impairment relay (diag_impair_relay: set delay and seeded loss — this kernel
// has no netem). The test controller listens inside the cpe namespace (its loop thread is made there) and
// drives the agent over USP, so each result is an OperationComplete. Where namespaces cannot be made the
// tests are skipped, saying why.
//
//   cpe 10.77.1.2 ─tun/relay─ 10.77.1.1 r1 10.77.2.1 ─veth─ 10.77.2.2 r2 10.77.3.1 ─veth─ 10.77.3.2 srv
//   (dnsmasq)
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "diag_client.hpp"

extern char** environ;

namespace fs = std::filesystem;
using namespace cpe::test;

namespace {

std::string slurp(const fs::path& p) {
    std::ifstream in(p);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// A child process with its output in a file; SIGTERM (then SIGKILL) at the end.
class Child {
  public:
    Child(std::vector<std::string> argv, const fs::path& log) : log_(log) {
        std::vector<char*> a;
        for (auto& s : argv) a.push_back(s.data());
        a.push_back(nullptr);
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        posix_spawn_file_actions_adddup2(&fa, 1, 2);
        if (posix_spawnp(&pid_, a[0], &fa, nullptr, a.data(), environ) != 0) pid_ = -1;
        posix_spawn_file_actions_destroy(&fa);
    }
    ~Child() { stop(); }
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;
    bool running() const { return pid_ > 0 && waitpid(pid_, nullptr, WNOHANG) == 0; }
    std::string log() const { return slurp(log_); }
    bool wait_log(const std::string& text, int timeout_s) const {
        for (int i = 0; i < timeout_s * 20; ++i) {
            if (log().find(text) != std::string::npos) return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        return false;
    }
    void stop() {
        if (pid_ <= 0) return;
        kill(pid_, SIGTERM);
        for (int i = 0; i < 100 && waitpid(pid_, nullptr, WNOHANG) == 0; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        if (waitpid(pid_, nullptr, WNOHANG) == 0) {
            kill(pid_, SIGKILL);
            waitpid(pid_, nullptr, 0);
        }
        pid_ = -1;
    }

  private:
    fs::path log_;
    pid_t pid_ = -1;
};

struct Net {
    std::string prefix;
    std::string why_not;  // set when the network could not be made
    fs::path dir;
    std::unique_ptr<Child> relay, dnsmasq, agent, http;
    std::unique_ptr<TestController> ctl;
    std::unique_ptr<DiagClient> client;
    std::string ns(const char* n) const { return prefix + "-" + n; }
};

Net& net() {
    static Net n;
    return n;
}

int sh(const std::string& cmd, std::string* output = nullptr) {
    const std::string full = "(" + cmd + ") 2>&1";
    FILE* p = popen(full.c_str(), "r");
    if (!p) return -1;
    std::string out;
    char buf[512];
    while (size_t k = fread(buf, 1, sizeof(buf), p)) out.append(buf, k);
    const int rc = pclose(p);
    if (output) *output = out;
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

class NetnsDiagTest : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        Net& n = net();
        n.prefix = "cd" + std::to_string(getpid() % 100000);
        n.dir = fs::temp_directory_path() / ("cpe-netns-diag-" + std::to_string(getpid()));
        fs::remove_all(n.dir);
        fs::create_directories(n.dir / "state");
        std::string out;
        if (sh("command -v ip", &out) != 0) return void(n.why_not = "no `ip` command (iproute2)");
        if (sh("ip netns add " + n.ns("cpe"), &out) != 0)
            return void(n.why_not = "cannot make a network namespace (`ip netns add`): " + out);
        const std::string cpe = n.ns("cpe"), r1 = n.ns("r1"), r2 = n.ns("r2"), srv = n.ns("srv"),
                          p = n.prefix;
        const std::vector<std::string> steps = {
            "ip netns add " + r1,
            "ip netns add " + r2,
            "ip netns add " + srv,
            "for ns in " + cpe + " " + r1 + " " + r2 + " " + srv + "; do ip -n $ns link set lo up; done",
            // cpe ↔ r1: two persistent TUN devices the relay joins
            "ip -n " + cpe + " tuntap add dev imp0 mode tun",
            "ip -n " + r1 + " tuntap add dev imp1 mode tun",
            "ip -n " + cpe + " addr add 10.77.1.2 peer 10.77.1.1 dev imp0",
            "ip -n " + cpe + " link set imp0 up",
            "ip -n " + r1 + " addr add 10.77.1.1 peer 10.77.1.2 dev imp1",
            "ip -n " + r1 + " link set imp1 up",
            "ip -n " + cpe + " route add default via 10.77.1.1 dev imp0",
            // r1 ↔ r2 and r2 ↔ srv: veth pairs
            "ip -n " + r1 + " link add " + p + "a type veth peer name " + p + "b netns " + r2,
            "ip -n " + r2 + " link add " + p + "c type veth peer name " + p + "d netns " + srv,
            "ip -n " + r1 + " addr add 10.77.2.1/24 dev " + p + "a",
            "ip -n " + r1 + " link set " + p + "a up",
            "ip -n " + r2 + " addr add 10.77.2.2/24 dev " + p + "b",
            "ip -n " + r2 + " link set " + p + "b up",
            "ip -n " + r2 + " addr add 10.77.3.1/24 dev " + p + "c",
            "ip -n " + r2 + " link set " + p + "c up",
            "ip -n " + srv + " addr add 10.77.3.2/24 dev " + p + "d",
            "ip -n " + srv + " link set " + p + "d up",
            "ip -n " + r1 + " route add default via 10.77.2.2",
            "ip -n " + r2 + " route add 10.77.1.0/24 via 10.77.2.1",
            "ip -n " + srv + " route add default via 10.77.3.1",
            "ip netns exec " + r1 + " sysctl -qw net.ipv4.ip_forward=1",
            "ip netns exec " + r2 + " sysctl -qw net.ipv4.ip_forward=1",
            // every probe gets its ICMP answer (Linux rate-limits them by default)
            "for ns in " + r1 + " " + r2 + " " + srv +
                "; do ip netns exec $ns sysctl -qw net.ipv4.icmp_ratelimit=0; done",
        };
        for (const std::string& s : steps)
            if (sh(s, &out) != 0) return void(n.why_not = "network setup step failed: " + s + ": " + out);
        if (sh("command -v dnsmasq", &out) != 0) return void(n.why_not = "no dnsmasq (Debian dnsmasq-base)");
        n.dnsmasq = std::make_unique<Child>(
            std::vector<std::string>{
                "ip", "netns", "exec", srv, "dnsmasq", "--keep-in-foreground", "--no-resolv", "--no-hosts",
                "--conf-file=/dev/null", "--listen-address=10.77.3.2", "--bind-interfaces", "--user=root",
                "--pid-file=" + (n.dir / "dnsmasq.pid").string(), "--address=/speedtest.diag.test/10.77.3.2",
                "--log-queries", "--log-facility=-"},
            n.dir / "dnsmasq.log");
        // The HTTP server the transfers use, and the 20 Mbit/s bottleneck: tbf on the server's egress.
        n.http = std::make_unique<Child>(
            std::vector<std::string>{
                "ip", "netns", "exec", srv, "python3",
                std::string(CPE_SOURCE_DIR) + "/tests/integration/agent_diag/tr143_server.py", "10.77.3.2",
                "8080"},
            n.dir / "http.log");
        if (!n.http->wait_log("ready", 10))
            return void(n.why_not = "the test HTTP server did not start: " + n.http->log());
        if (sh("ip netns exec " + srv + " tc qdisc add dev " + p +
                   "d root tbf rate 20mbit burst 32kb latency 100ms",
               &out) != 0)
            return void(n.why_not = "cannot add a tbf qdisc: " + out);
        // The agent's board root: the fixture with a resolv.conf naming the server's dnsmasq.
        fs::copy(std::string(CPE_SOURCE_DIR) + "/boards/tplink-xx230v/fixtures/rootfs", n.dir / "rootfs",
                 fs::copy_options::recursive);
        std::ofstream(n.dir / "rootfs/etc/resolv.conf") << "nameserver 10.77.3.2\n";
        // The controller inside the cpe namespace: made on a thread that entered it (its loop thread too).
        std::thread([&n, cpe] {
            const int fd = open(("/run/netns/" + cpe).c_str(), O_RDONLY | O_CLOEXEC);
            if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) return;
            close(fd);
            n.ctl = std::make_unique<TestController>();
        }).join();
        if (!n.ctl || !n.ctl->ok()) return void(n.why_not = "cannot start the test controller in " + cpe);
        std::ofstream(n.dir / "agent.json")
            << R"({"controller": {"url": "ws://127.0.0.1:)" << n.ctl->port() << R"(/usp", "endpoint_id": ")"
            << kDiagController << R"("}, "state_dir": ")" << (n.dir / "state").string() << R"("})";
        const std::string board = std::string(CPE_SOURCE_DIR) + "/boards/tplink-xx230v";
        n.agent = std::make_unique<Child>(
            std::vector<std::string>{"ip", "netns", "exec", cpe, CPE_AGENT, "--board", board, "--root",
                                     (n.dir / "rootfs").string(), "--now", "1795000000", "run", "--config",
                                     (n.dir / "agent.json").string()},
            n.dir / "agent.log");
        n.client = std::make_unique<DiagClient>(*n.ctl, [&n] { return n.agent->log(); });
        if (!n.client->connect()) n.why_not = "the agent did not connect: " + n.agent->log();
    }

    static void TearDownTestSuite() {
        Net& n = net();
        n.client.reset();
        if (n.agent) n.agent->stop();
        n.ctl.reset();
        n.relay.reset();
        n.dnsmasq.reset();
        n.http.reset();
        n.agent.reset();
        for (const char* s : {"cpe", "r1", "r2", "srv"}) sh("ip netns del " + n.ns(s));
        fs::remove_all(n.dir);
    }

    void SetUp() override {
        if (!net().why_not.empty()) GTEST_SKIP() << net().why_not;
    }

    // (Re)starts the relay between cpe and r1 with these impairments (cpe→r1 is "up").
    void relay(int delay_up_ms, int delay_down_ms, int loss_up_pct, int loss_down_pct, int seed = 1) {
        Net& n = net();
        n.relay.reset();
        n.relay = std::make_unique<Child>(
            std::vector<std::string>{CPE_IMPAIR_RELAY, n.ns("cpe"), "imp0", n.ns("r1"), "imp1",
                                     std::to_string(delay_up_ms), std::to_string(delay_down_ms),
                                     std::to_string(loss_up_pct), std::to_string(loss_down_pct),
                                     std::to_string(seed)},
            n.dir / "relay.log");
        ASSERT_TRUE(n.relay->wait_log("ready", 10)) << n.relay->log();
    }

    cpe::usp::StrMap run(const std::string& command, cpe::usp::StrMap args, int timeout_s = 120) {
        return net().client->run(command, std::move(args), timeout_s);
    }
};

TEST_F(NetnsDiagTest, PingAverageCarriesTheAddedDelay) {
    relay(40, 0, 0, 0);
    auto out = run("Device.IP.Diagnostics.IPPing()", {{"Host", "10.77.3.2"}, {"NumberOfRepetitions", "20"}});
    EXPECT_EQ(out["Status"], "Complete");
    EXPECT_EQ(out["SuccessCount"], "20");
    EXPECT_EQ(out["IPAddressUsed"], "10.77.1.2");
    const int avg = std::stoi(out["AverageResponseTime"]);
    EXPECT_GE(avg, 40) << "told the link 40 ms";
    EXPECT_LE(avg, 60) << "told the link 40 ms";
    EXPECT_GE(std::stoi(out["MinimumResponseTime"]), 40);
}

TEST_F(NetnsDiagTest, PingLossIsTheLinksLoss) {
    relay(0, 0, 20, 0, 7);
    auto out = run("Device.IP.Diagnostics.IPPing()",
                   {{"Host", "10.77.3.2"}, {"NumberOfRepetitions", "100"}, {"Timeout", "400"}});
    EXPECT_EQ(out["Status"], "Complete");
    const int lost = std::stoi(out["FailureCount"]);
    EXPECT_EQ(lost + std::stoi(out["SuccessCount"]), 100);
    EXPECT_GE(lost, 10) << "told the link 20 %";
    EXPECT_LE(lost, 30) << "told the link 20 %";
}

TEST_F(NetnsDiagTest, TraceRouteShowsTheThreeHops) {
    relay(0, 0, 0, 0);
    auto out =
        run("Device.IP.Diagnostics.TraceRoute()",
            {{"Host", "10.77.3.2"}, {"NumberOfTries", "2"}, {"Timeout", "1000"}, {"MaxHopCount", "10"}});
    EXPECT_EQ(out["Status"], "Complete");
    EXPECT_EQ(out["RouteHops.1.HostAddress"], "10.77.1.1");
    EXPECT_EQ(out["RouteHops.2.HostAddress"], "10.77.2.2");
    EXPECT_EQ(out["RouteHops.3.HostAddress"], "10.77.3.2");
    EXPECT_EQ(out.count("RouteHops.4.HostAddress"), 0u);
    EXPECT_FALSE(out["RouteHops.3.RTTimes"].empty());
    // Past MaxHopCount: the trace says so.
    auto short_trace =
        run("Device.IP.Diagnostics.TraceRoute()",
            {{"Host", "10.77.3.2"}, {"NumberOfTries", "1"}, {"Timeout", "1000"}, {"MaxHopCount", "2"}});
    EXPECT_EQ(short_trace["Status"], "Error_MaxHopCountExceeded");
    EXPECT_EQ(short_trace["RouteHops.2.HostAddress"], "10.77.2.2");
}

TEST_F(NetnsDiagTest, NsLookupGetsTheAddressDnsmasqWasGiven) {
    relay(0, 0, 0, 0);
    auto out =
        run("Device.DNS.Diagnostics.NSLookupDiagnostics()",
            {{"HostName", "speedtest.diag.test"}, {"DNSServer", "10.77.3.2"}, {"NumberOfRepetitions", "2"}});
    EXPECT_EQ(out["Status"], "Complete");
    EXPECT_EQ(out["SuccessCount"], "2");
    EXPECT_EQ(out["Result.1.IPAddresses"], "10.77.3.2");
    EXPECT_EQ(out["Result.1.HostNameReturned"], "speedtest.diag.test");
    EXPECT_EQ(out["Result.1.DNSServerIP"], "10.77.3.2");
    // The board's resolv.conf server when none is given; and IPPing of the name through it.
    auto board = run("Device.DNS.Diagnostics.NSLookupDiagnostics()", {{"HostName", "speedtest.diag.test"}});
    EXPECT_EQ(board["Result.1.IPAddresses"], "10.77.3.2");
    auto ping = run("Device.IP.Diagnostics.IPPing()",
                    {{"Host", "speedtest.diag.test"}, {"NumberOfRepetitions", "2"}});
    EXPECT_EQ(ping["Status"], "Complete");
    EXPECT_EQ(ping["SuccessCount"], "2");
    // A DNS server that is not there: the repetition says so, the command completes.
    auto none = run("Device.DNS.Diagnostics.NSLookupDiagnostics()",
                    {{"HostName", "speedtest.diag.test"}, {"DNSServer", "10.77.2.2"}, {"Timeout", "500"}});
    EXPECT_EQ(none["Result.1.Status"], "Error_DNSServerNotAvailable");
}

// Mb/s of a TR-143 result: body bytes over BOM → EOM (TR-143's throughput definition).
double mbps(const cpe::usp::StrMap& out, const char* bytes_key) {
    auto us =
        [](const std::string& t) {  // "YYYY-MM-DDThh:mm:ss.ffffffZ" → µs of the day (tests stay within a day)
            return ((std::stoll(t.substr(11, 2)) * 60 + std::stoll(t.substr(14, 2))) * 60 +
                    std::stoll(t.substr(17, 2))) *
                       1000000 +
                   std::stoll(t.substr(20, 6));
        };
    const double secs = static_cast<double>(us(out.at("EOMTime")) - us(out.at("BOMTime"))) / 1e6;
    return static_cast<double>(std::stoull(out.at(bytes_key))) * 8 / secs / 1e6;
}

TEST_F(NetnsDiagTest, DownloadThroughATwentyMegabitLink) {
    relay(0, 0, 0, 0);
    auto out = run("Device.IP.Diagnostics.DownloadDiagnostics()",
                   {{"DownloadURL", "http://speedtest.diag.test:8080/bytes/1000000000"},
                    {"NumberOfConnections", "4"},
                    {"TimeBasedTestDuration", "5"}});
    ASSERT_EQ(out["Status"], "Complete");
    EXPECT_EQ(out["IPAddressUsed"], "10.77.1.2");
    const double rate = mbps(out, "TestBytesReceived");
    std::printf("download: %s bytes, %.2f Mb/s through tbf 20mbit\n", out["TestBytesReceived"].c_str(), rate);
    EXPECT_GE(rate, 15.0) << "the link was shaped to 20 Mbit/s";
    EXPECT_LE(rate, 21.0) << "the link was shaped to 20 Mbit/s";
    // A file-based upload (no shaping upstream) reaches the server whole.
    auto up = run("Device.IP.Diagnostics.UploadDiagnostics()",
                  {{"UploadURL", "http://10.77.3.2:8080/up"}, {"TestFileLength", "5000000"}});
    EXPECT_EQ(up["Status"], "Complete");
    EXPECT_EQ(up["TestBytesSent"], "5000000");
    // A port where nothing listens: TR-143's Error_InitConnectionFailed.
    auto refused = run("Device.IP.Diagnostics.DownloadDiagnostics()",
                       {{"DownloadURL", "http://10.77.3.2:8081/bytes/1"}});
    EXPECT_EQ(refused["Status"], "Error_InitConnectionFailed");
}

}  // namespace
