// The agent's TR-143 download (DownloadDiagnostics(), 4 connections, time based) from the tests' HTTP server
// on loopback, driven over USP like a controller would:
//   - memory: the agent's VmRSS peak during the download against its idle VmRSS just before (goal ≤ 256 KiB);
//   - CPU per Mb/s transferred against curl fetching the same URL (4 curls at once, same duration) in the
//   same
//     run (goal ≤ 1.5× curl's).
//   agent_diag_bench [cpe-agent binary (default: this build's; use the host-cpe static one for the goal)]
//   [seconds=5]
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "diag_client.hpp"

extern char** environ;
namespace fs = std::filesystem;
using namespace cpe::test;

namespace {

pid_t spawn(std::vector<std::string> args, const std::string& out_path) {
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    pid_t pid = -1;
    if (posix_spawnp(&pid, argv[0], &fa, nullptr, argv.data(), environ) != 0) pid = -1;
    posix_spawn_file_actions_destroy(&fa);
    return pid;
}

long rss_kib(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    return -1;
}

double cpu_s(pid_t pid) {  // utime + stime of a running process
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const size_t close = text.rfind(')');
    std::istringstream rest(text.substr(close + 2));
    std::string f;
    std::vector<std::string> v;
    while (rest >> f) v.push_back(f);
    // after ')': state is field 3; utime 14, stime 15 → indexes 11, 12 here
    return (std::stod(v.at(11)) + std::stod(v.at(12))) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double us_of_day(const std::string& t) {
    return ((std::stod(t.substr(11, 2)) * 60 + std::stod(t.substr(14, 2))) * 60 +
            std::stod(t.substr(17, 2))) *
               1e6 +
           std::stod(t.substr(20, 6));
}

int free_port() {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(s, reinterpret_cast<sockaddr*>(&a), sizeof(a));
    socklen_t len = sizeof(a);
    getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
    close(s);
    return ntohs(a.sin_port);
}

}  // namespace

int main(int argc, char** argv) {
    const std::string agent_bin = argc > 1 && argv[1][0] ? argv[1] : CPE_AGENT;
    const int secs = argc > 2 ? std::stoi(argv[2]) : 5;
    const fs::path dir = fs::temp_directory_path() / ("cpe-agent-diag-bench-" + std::to_string(getpid()));
    fs::create_directories(dir / "state");
    const int port = free_port();
    const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/bytes/100000000000";
    pid_t server =
        spawn({"python3", std::string(CPE_SOURCE_DIR) + "/tests/integration/agent_diag/tr143_server.py",
               "127.0.0.1", std::to_string(port)},
              (dir / "server.log").string());
    std::this_thread::sleep_for(std::chrono::milliseconds(800));

    TestController ctl;
    std::ofstream(dir / "agent.json")
        << R"({"controller": {"url": "ws://127.0.0.1:)" << ctl.port() << R"(/usp", "endpoint_id": ")"
        << kDiagController << R"("}, "state_dir": ")" << (dir / "state").string() << R"("})";
    const std::string board = std::string(CPE_SOURCE_DIR) + "/boards/tplink-xx230v";
    pid_t agent = spawn({agent_bin, "--board", board, "--root", board + "/fixtures/rootfs", "run", "--config",
                         (dir / "agent.json").string()},
                        (dir / "agent.log").string());
    DiagClient client(ctl, [&] {
        std::ifstream in(dir / "agent.log");
        return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    });
    if (!client.connect()) {
        fprintf(stderr, "agent_diag_bench: the agent did not connect\n");
        return 1;
    }
    std::this_thread::sleep_for(std::chrono::seconds(1));
    const long idle = rss_kib(agent);
    std::atomic<bool> sampling{true};
    std::atomic<long> peak{idle};
    std::thread sampler([&] {
        while (sampling) {
            const long r = rss_kib(agent);
            if (r > peak) peak = r;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    });
    const double cpu0 = cpu_s(agent);
    auto out = client.run(
        "Device.IP.Diagnostics.DownloadDiagnostics()",
        {{"DownloadURL", url}, {"NumberOfConnections", "4"}, {"TimeBasedTestDuration", std::to_string(secs)}},
        secs + 60);
    const double cpu1 = cpu_s(agent);
    sampling = false;
    sampler.join();
    if (out["Status"] != "Complete") {
        fprintf(stderr, "agent_diag_bench: download status '%s'\n", out["Status"].c_str());
        return 1;
    }
    const double agent_bytes = std::stod(out["TestBytesReceived"]);
    const double agent_secs = (us_of_day(out["EOMTime"]) - us_of_day(out["BOMTime"])) / 1e6;
    const double agent_mbps = agent_bytes * 8 / agent_secs / 1e6;
    const double agent_cpu = cpu1 - cpu0;

    // curl: 4 at once, the same URL and duration; CPU from their rusage, bytes from -w.
    std::vector<pid_t> curls;
    const auto c0 = std::chrono::steady_clock::now();
    for (int i = 0; i < 4; ++i)
        curls.push_back(spawn({"curl", "-s", "-o", "/dev/null", "--max-time", std::to_string(secs), "-w",
                               "%{size_download}", url},
                              (dir / ("curl" + std::to_string(i) + ".out")).string()));
    double curl_cpu = 0, curl_bytes = 0;
    for (int i = 0; i < 4; ++i) {
        int st = 0;
        rusage ru{};
        wait4(curls[i], &st, 0, &ru);
        curl_cpu += static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                    static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
        std::ifstream in(dir / ("curl" + std::to_string(i) + ".out"));
        double b = 0;
        in >> b;
        curl_bytes += b;
    }
    const double curl_secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - c0).count();
    const double curl_mbps = curl_bytes * 8 / curl_secs / 1e6;

    kill(agent, SIGTERM);
    waitpid(agent, nullptr, 0);
    kill(server, SIGTERM);
    waitpid(server, nullptr, 0);
    fs::remove_all(dir);

    const double agent_cost = agent_cpu / agent_mbps, curl_cost = curl_cpu / curl_mbps;
    printf("agent binary: %s\n", agent_bin.c_str());
    printf(
        "memory: idle VmRSS %ld KiB, peak during the 4-connection download %ld KiB: growth %ld KiB (goal <= "
        "256)\n",
        idle, peak.load(), peak.load() - idle);
    printf("agent: %.1f Mb/s over %.2f s, CPU %.3f s -> %.5f CPU-s per Mb/s\n", agent_mbps, agent_secs,
           agent_cpu, agent_cost);
    printf("curl (4 at once, same URL): %.1f Mb/s over %.2f s, CPU %.3f s -> %.5f CPU-s per Mb/s\n",
           curl_mbps, curl_secs, curl_cpu, curl_cost);
    printf("ratio agent/curl CPU per Mb/s: %.2f (goal <= 1.5)\n", agent_cost / curl_cost);
    return 0;
}
