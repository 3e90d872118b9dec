// The agent's TR-143 download (DownloadDiagnostics(), 4 connections, time based) from the tests' HTTP server
// on loopback, driven over USP like a controller would:
//   - memory: the agent's VmRSS peak during the download against its idle VmRSS just before (goal ≤ 256 KiB);
//   - CPU per Mb/s transferred against curl fetching the same URL (4 curls at once, same duration) in the
//     same run (goal ≤ 1.5× curl's), over several rounds that alternate which of the two goes first; each
//     round's ratio and the ratio of the totals are printed.
//   Two passes: the server paces each connection to a quarter of a CPE's line rate (default 1000 Mb/s in all:
//   what a speed test on the device moves), then loopback flat out (one agent thread saturated; shown, but a
//   CPE never moves 20+ Gb/s).
//   agent_diag_bench [cpe-agent binary (default: this build's; use the host-cpe static one for the goal)]
//   [seconds=5] [rounds=3] [line Mb/s=1000]
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
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
    const int rounds = std::max(1, argc > 3 ? std::stoi(argv[3]) : 3);
    const fs::path dir = fs::temp_directory_path() / ("cpe-agent-diag-bench-" + std::to_string(getpid()));
    fs::create_directories(dir / "state");
    const int port = free_port();
    const int line_mbps = argc > 4 ? std::max(4, std::stoi(argv[4])) : 1000;
    const std::string flat_url = "http://127.0.0.1:" + std::to_string(port) + "/bytes/100000000000";
    pid_t server =
        spawn({"python3", std::string(CPE_SOURCE_DIR) + "/tests/integration/agent_diag/tr143_server.py",
               "127.0.0.1", std::to_string(port)},
              (dir / "server.log").string());
    std::this_thread::sleep_for(std::chrono::milliseconds(800));

    TestController ctl;
    // The collectors' refresh (every 30 s by default) rebuilds the model: about 400 KiB for a moment,
    // whenever it comes. Once an hour here, so that the peak measured is the downloads' and not a refresh's
    // that fell in one (seen: 564 KiB "growth" with a refresh inside, 164 KiB without).
    std::ofstream(dir / "agent.json")
        << R"({"controller": {"url": "ws://127.0.0.1:)" << ctl.port() << R"(/usp", "endpoint_id": ")"
        << kDiagController << R"("}, "state_dir": ")" << (dir / "state").string()
        << R"(", "refresh_interval_s": 3600})";
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

    // One agent download: CPU of the whole agent process over the command, bytes and BOM→EOM from the result.
    struct Sample {
        double cpu = 0, bytes = 0, secs = 0;
    };
    auto agent_round = [&](const std::string& url) -> std::optional<Sample> {
        const double cpu0 = cpu_s(agent);
        auto out = client.run("Device.IP.Diagnostics.DownloadDiagnostics()",
                              {{"DownloadURL", url},
                               {"NumberOfConnections", "4"},
                               {"TimeBasedTestDuration", std::to_string(secs)}},
                              secs + 60);
        const double cpu1 = cpu_s(agent);
        if (out["Status"] != "Complete") {
            fprintf(stderr, "agent_diag_bench: download status '%s'\n", out["Status"].c_str());
            return std::nullopt;
        }
        return Sample{cpu1 - cpu0, std::stod(out["TestBytesReceived"]),
                      (us_of_day(out["EOMTime"]) - us_of_day(out["BOMTime"])) / 1e6};
    };
    // curl: 4 at once, the same URL and duration; CPU from their rusage, bytes from -w.
    auto curl_round = [&](const std::string& url) {
        Sample s;
        std::vector<pid_t> curls;
        const auto c0 = std::chrono::steady_clock::now();
        for (int i = 0; i < 4; ++i)
            curls.push_back(spawn({"curl", "-s", "-o", "/dev/null", "--max-time", std::to_string(secs), "-w",
                                   "%{size_download}", url},
                                  (dir / ("curl" + std::to_string(i) + ".out")).string()));
        for (int i = 0; i < 4; ++i) {
            int st = 0;
            rusage ru{};
            wait4(curls[i], &st, 0, &ru);
            s.cpu += static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                     static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
            std::ifstream in(dir / ("curl" + std::to_string(i) + ".out"));
            double b = 0;
            in >> b;
            s.bytes += b;
        }
        s.secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - c0).count();
        return s;
    };
    // One curl with the 4 transfers in parallel (-Z, all started at once): one process multiplexing 4
    // sockets, as the agent's one transfer thread does — the same concurrency, a second baseline.
    auto curl_parallel_round = [&](const std::string& url) {
        Sample s;
        std::vector<std::string> args = {
            "curl", "-s",         "--no-progress-meter", "-Z", "--parallel-immediate", "--parallel-max",
            "4",    "--max-time", std::to_string(secs),  "-w", "%{size_download}\n"};
        for (int i = 0; i < 4; ++i) args.insert(args.end(), {"-o", "/dev/null", url});
        const auto c0 = std::chrono::steady_clock::now();
        const pid_t pid = spawn(args, (dir / "curl-parallel.out").string());
        int st = 0;
        rusage ru{};
        wait4(pid, &st, 0, &ru);
        s.cpu = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
        // One size per transfer on its own line; curl 7.88 writes its parallel progress meter to the same
        // file even with -s (carriage returns, no newline), so only lines of digits count.
        std::ifstream in(dir / "curl-parallel.out");
        for (std::string line; std::getline(in, line);) {
            const size_t cr = line.rfind('\r');
            if (cr != std::string::npos) line = line.substr(cr + 1);
            if (!line.empty() && line.find_first_not_of("0123456789") == std::string::npos)
                s.bytes += std::stod(line);
        }
        s.secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - c0).count();
        return s;
    };
    // CPU per Mb/s over the same duration is CPU per bit transferred: CPU-ms per Gb (duration-free, so rounds
    // and totals compare).
    auto cost = [](const Sample& s) { return s.cpu * 1e3 / (s.bytes * 8 / 1e9); };
    auto mbps = [](const Sample& s) { return s.bytes * 8 / s.secs / 1e6; };
    auto add = [](Sample& total, const Sample& s) {
        total.cpu += s.cpu;
        total.bytes += s.bytes;
        total.secs += s.secs;
    };
    struct Pass {
        Sample agent, curl, parallel;
        std::vector<double> ratios, ratios_parallel;
    };
    // Rounds alternate the order (agent, 4 curls, parallel curl / the reverse), so a change of the machine's
    // load during the run falls on all three.
    auto run_pass = [&](const char* name, const std::string& url, Pass& p) {
        printf("-- %s\n", name);
        for (int r = 0; r < rounds; ++r) {
            std::optional<Sample> a;
            Sample c, z;
            if (r % 2 == 0) {
                a = agent_round(url);
                c = curl_round(url);
                z = curl_parallel_round(url);
            } else {
                z = curl_parallel_round(url);
                c = curl_round(url);
                a = agent_round(url);
            }
            if (!a) return false;
            printf(
                "round %d (%s first): agent %.0f Mb/s, CPU %.3f s -> %.1f CPU-ms per Gb; "
                "4 curls %.0f Mb/s, CPU %.3f s -> %.1f (ratio %.2f); "
                "curl -Z %.0f Mb/s, CPU %.3f s -> %.1f (ratio %.2f)\n",
                r + 1, r % 2 == 0 ? "agent" : "curl", mbps(*a), a->cpu, cost(*a), mbps(c), c.cpu, cost(c),
                cost(*a) / cost(c), mbps(z), z.cpu, cost(z), cost(*a) / cost(z));
            p.ratios.push_back(cost(*a) / cost(c));
            p.ratios_parallel.push_back(cost(*a) / cost(z));
            add(p.agent, *a);
            add(p.curl, c);
            add(p.parallel, z);
        }
        return true;
    };
    printf("agent binary: %s\n", agent_bin.c_str());
    // Two passes: each connection paced by the server to a quarter of a CPE's line rate (what a speed test on
    // the device transfers), then loopback flat out (where one agent thread is the bottleneck and the
    // kernel's copy costs dominate; a CPE never moves this much).
    const std::string paced_url = flat_url + "?mbps=" + std::to_string(line_mbps / 4);
    const std::string paced_name = "paced: 4 connections x " + std::to_string(line_mbps / 4) + " Mb/s (" +
                                   std::to_string(line_mbps) + " Mb/s, a CPE's line rate)";
    Pass paced, flat;
    bool ok = run_pass(paced_name.c_str(), paced_url, paced);
    const long paced_peak = peak.load();
    ok = ok && run_pass("flat out on loopback", flat_url, flat);
    sampling = false;
    sampler.join();

    kill(agent, SIGTERM);
    waitpid(agent, nullptr, 0);
    kill(server, SIGTERM);
    waitpid(server, nullptr, 0);
    fs::remove_all(dir);
    if (!ok) return 1;

    printf(
        "memory: idle VmRSS %ld KiB, peak during the 4-connection downloads %ld KiB: growth %ld KiB (goal <= "
        "256); in the paced pass %ld KiB\n",
        idle, peak.load(), peak.load() - idle, paced_peak - idle);
    auto report = [&](const char* name, Pass& p) {
        printf("%s:\n", name);
        printf("  agent (%d rounds): %.0f Mb/s over %.2f s, CPU %.3f s -> %.1f CPU-ms per Gb\n", rounds,
               mbps(p.agent), p.agent.secs, p.agent.cpu, cost(p.agent));
        printf("  4 curls (4 processes at once, same URL): %.0f Mb/s, CPU %.3f s -> %.1f CPU-ms per Gb\n",
               mbps(p.curl), p.curl.cpu, cost(p.curl));
        printf("  curl -Z (one process, 4 parallel transfers): %.0f Mb/s, CPU %.3f s -> %.1f CPU-ms per Gb\n",
               mbps(p.parallel), p.parallel.cpu, cost(p.parallel));
        std::sort(p.ratios.begin(), p.ratios.end());
        std::sort(p.ratios_parallel.begin(), p.ratios_parallel.end());
        printf("  ratio agent/curl CPU per Mb/s: %.2f over all rounds, median round %.2f (goal <= 1.5)\n",
               cost(p.agent) / cost(p.curl), p.ratios[p.ratios.size() / 2]);
        printf("  ratio agent/curl -Z CPU per Mb/s: %.2f over all rounds, median round %.2f\n",
               cost(p.agent) / cost(p.parallel), p.ratios_parallel[p.ratios_parallel.size() / 2]);
    };
    report(paced_name.c_str(), paced);
    report("flat out on loopback", flat);
    return 0;
}
