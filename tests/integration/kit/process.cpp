#include "kit/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <thread>

#include "kit/files.hpp"

extern char** environ;

namespace cpe::testkit {
namespace {

int status_of(int st) {
    if (WIFEXITED(st)) return WEXITSTATUS(st);
    if (WIFSIGNALED(st)) return 128 + WTERMSIG(st);
    return -1;
}

}  // namespace

Proc spawn(const std::vector<std::string>& argv, const std::string& out,
           const std::vector<std::string>& env_extra, const std::string& cwd) {
    Proc p;
    p.out = out;
    if (argv.empty()) return p;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&fa, cwd.c_str());
    std::vector<std::string> env;
    for (char** e = environ; *e; ++e) env.push_back(*e);
    env.insert(env.end(), env_extra.begin(), env_extra.end());
    std::vector<char*> a, en;
    for (const auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
    a.push_back(nullptr);
    for (const auto& s : env) en.push_back(const_cast<char*>(s.c_str()));
    en.push_back(nullptr);
    if (posix_spawn(&p.pid, a[0], &fa, nullptr, a.data(), en.data()) != 0) p.pid = -1;
    posix_spawn_file_actions_destroy(&fa);
    return p;
}

bool exited(Proc& p) {
    if (p.pid <= 0) return true;
    int st = 0;
    if (waitpid(p.pid, &st, WNOHANG) != p.pid) return false;
    p.pid = -1;
    p.status = status_of(st);
    return true;
}

std::optional<int> wait_exit(Proc& p, int timeout_ms) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (!exited(p)) {
        if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return p.status;
}

int stop(Proc& p, int grace_ms) {
    if (p.pid <= 0) return p.status;
    kill(p.pid, SIGTERM);
    if (auto st = wait_exit(p, grace_ms)) return *st;
    kill(p.pid, SIGKILL);
    waitpid(p.pid, nullptr, 0);
    p.pid = -1;
    p.status = -1;
    return p.status;
}

int run(const std::vector<std::string>& argv, const std::string& out, int timeout_ms) {
    Proc p = spawn(argv, out);
    if (p.pid <= 0) return -1;
    if (auto st = wait_exit(p, timeout_ms)) return *st;
    return stop(p, 0);
}

int capture(const std::vector<std::string>& argv, std::string& output, int timeout_ms, bool with_stderr) {
    if (argv.empty()) return -1;
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return -1;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    if (with_stderr) posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
    std::vector<char*> a;
    for (const auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
    a.push_back(nullptr);
    Proc p;
    if (posix_spawn(&p.pid, a[0], &fa, nullptr, a.data(), environ) != 0) p.pid = -1;
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    if (p.pid <= 0) {
        close(fds[0]);
        return -1;
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    char buf[4096];
    for (;;) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now())
                .count();
        if (left <= 0) break;
        pollfd pfd{fds[0], POLLIN, 0};
        const int r = poll(&pfd, 1, static_cast<int>(left));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        const ssize_t n = read(fds[0], buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        output.append(buf, static_cast<size_t>(n));
    }
    close(fds[0]);
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now())
            .count();
    if (auto st = wait_exit(p, static_cast<int>(std::max<long long>(left, 0)))) return *st;
    return stop(p, 0);
}

int shell(const std::string& command, std::string* output, int timeout_ms) {
    std::string ignored;
    return capture({"/bin/sh", "-c", command}, output ? *output : ignored, timeout_ms);
}

std::string wait_for(Proc& p, const std::string& needle, int seconds) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    for (;;) {
        const bool ended = exited(p);  // read after this: what an ended process wrote is all there
        const std::string s = slurp(p.out);
        const size_t at = s.find(needle);
        if (at != std::string::npos) {
            const size_t end = s.find('\n', at);
            if (end != std::string::npos) return s.substr(at + needle.size(), end - at - needle.size());
        }
        if (ended || std::chrono::steady_clock::now() >= deadline) return "";
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

}  // namespace cpe::testkit
