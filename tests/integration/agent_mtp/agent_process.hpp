// The real cpe-agent (`run`, TP-Link XX230v fixture) as a child process of a test: stderr in a log file,
// stopped with SIGTERM (SIGKILL if it hangs). Shared by the MTP client and server tests.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace cpe::test {

inline const std::string kBoard = std::string(CPE_SOURCE_DIR) + "/boards/tplink-xx230v";
inline const std::string kAgentId = "os::1C61B4-22275A7000412";
inline constexpr const char* kNow = "1795000000";  // the golden tests' clock

inline std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

class AgentProcess {
public:
    // The XX230v fixture board.
    AgentProcess(const std::filesystem::path& dir, const std::string& config_json)
        : AgentProcess(dir, config_json, {"--board", kBoard, "--root", kBoard + "/fixtures/rootfs", "--now", kNow}) {}
    // Another board: `board_args` come before `run` ("--board", dir; no "--root": the live reader).
    AgentProcess(const std::filesystem::path& dir, const std::string& config_json, std::vector<std::string> board_args)
        : log_(dir / "agent.log") {
        const std::filesystem::path config = dir / "agent.json";
        std::ofstream(config) << config_json;
        std::vector<std::string> args = {CPE_AGENT};
        args.insert(args.end(), board_args.begin(), board_args.end());
        for (const char* a : {"run", "--config"}) args.push_back(a);
        args.push_back(config.string());
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 2, log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
        if (posix_spawn(&pid_, argv[0], &fa, nullptr, argv.data(), environ) != 0) pid_ = -1;
        posix_spawn_file_actions_destroy(&fa);
    }
    ~AgentProcess() { stop(); }
    AgentProcess(const AgentProcess&) = delete;
    AgentProcess& operator=(const AgentProcess&) = delete;

    bool running() const { return pid_ > 0; }
    // Exit status after SIGTERM (-1 if it had to be killed).
    int stop() { return finish(true); }
    // Exit status of a process that ends by itself.
    int wait_exit() { return finish(false); }

    std::string log() const { return slurp(log_); }
    // Waits until the log has `count` lines matching `re` (or the time limit: a hang fails, never passes).
    bool wait_log(const std::regex& re, size_t count, int timeout_s = 30) const {
        for (int i = 0; i < timeout_s * 10; ++i) {
            const std::string text = log();
            size_t n = std::distance(std::sregex_iterator(text.begin(), text.end(), re), std::sregex_iterator());
            if (n >= count) return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        return false;
    }
    // The first capture of `re` in the log (the whole match if it has no group), waiting up to `timeout_s`.
    std::optional<std::string> wait_match(const std::regex& re, int timeout_s = 30) const {
        for (int i = 0; i < timeout_s * 10; ++i) {
            const std::string text = log();
            std::smatch m;
            if (std::regex_search(text, m, re)) return m.size() > 1 ? m[1].str() : m[0].str();
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        return std::nullopt;
    }

private:
    int finish(bool terminate) {
        if (pid_ <= 0) return status_;
        if (terminate) kill(pid_, SIGTERM);
        for (int i = 0; i < 150; ++i) {  // up to 15 s for a clean stop
            int st = 0;
            if (waitpid(pid_, &st, WNOHANG) == pid_) {
                pid_ = -1;
                status_ = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
                return status_;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
        pid_ = -1;
        status_ = -1;
        return status_;
    }

    std::filesystem::path log_;
    pid_t pid_ = -1;
    int status_ = -1;
};

}  // namespace cpe::test
