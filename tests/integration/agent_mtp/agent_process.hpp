// The real cpe-agent (`run`, TP-Link XX230v fixture unless told otherwise) as a child process of a test,
// through the integration kit: its output in a log file, stopped with SIGTERM (SIGKILL if it hangs). Shared
// by the MTP client and server tests.
#pragma once

#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "kit/kit.hpp"

namespace cpe::test {

inline const std::string kBoard = std::string(CPE_SOURCE_DIR) + "/boards/tplink-xx230v";
inline const std::string kAgentId = "os::1C61B4-22275A7000412";
inline constexpr const char* kNow = "1795000000";  // the golden tests' clock

using testkit::slurp;

class AgentProcess {
  public:
    // The XX230v fixture board.
    AgentProcess(const std::filesystem::path& dir, const std::string& config_json)
        : AgentProcess(dir, config_json,
                       {"--board", kBoard, "--root", kBoard + "/fixtures/rootfs", "--now", kNow}) {}
    // Another board: `board_args` come before `run` ("--board", dir; no "--root": the live reader).
    // `wrapper`: argv that runs the agent's command line given after it (e.g. a read-only root made by
    // unshare).
    AgentProcess(const std::filesystem::path& dir, const std::string& config_json,
                 std::vector<std::string> board_args, std::vector<std::string> wrapper = {}) {
        const std::filesystem::path config = dir / "agent.json";
        std::ofstream(config) << config_json;
        std::vector<std::string> args = std::move(wrapper);
        args.push_back(CPE_AGENT);
        args.insert(args.end(), board_args.begin(), board_args.end());
        for (const char* a : {"run", "--config"}) args.push_back(a);
        args.push_back(config.string());
        proc_ = testkit::spawn(args, (dir / "agent.log").string());
    }
    ~AgentProcess() { stop(); }
    AgentProcess(const AgentProcess&) = delete;
    AgentProcess& operator=(const AgentProcess&) = delete;

    bool running() const { return proc_.pid > 0; }
    // Exit status after SIGTERM (-1 if it had to be killed).
    int stop() { return testkit::stop(proc_, 15000); }
    // Exit status of a process that ends by itself (-1 if it had to be killed after 15 s).
    int wait_exit() {
        if (auto st = testkit::wait_exit(proc_, 15000)) return *st;
        return testkit::stop(proc_, 0);
    }

    std::string log() const { return slurp(proc_.out); }
    // Waits until the log has `count` lines matching `re` (or the time limit: a hang fails, never passes).
    bool wait_log(const std::regex& re, size_t count, int timeout_s = 30) const {
        return testkit::eventually(
            [&] {
                const std::string text = log();
                return static_cast<size_t>(std::distance(std::sregex_iterator(text.begin(), text.end(), re),
                                                         std::sregex_iterator())) >= count;
            },
            timeout_s * 1000);
    }
    // The first capture of `re` in the log (the whole match if it has no group), waiting up to `timeout_s`.
    std::optional<std::string> wait_match(const std::regex& re, int timeout_s = 30) const {
        std::optional<std::string> found;
        testkit::eventually(
            [&] {
                const std::string text = log();
                std::smatch m;
                if (!std::regex_search(text, m, re)) return false;
                found = m.size() > 1 ? m[1].str() : m[0].str();
                return true;
            },
            timeout_s * 1000);
        return found;
    }

  private:
    testkit::Proc proc_;
};

}  // namespace cpe::test
