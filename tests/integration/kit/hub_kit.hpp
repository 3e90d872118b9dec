// Helpers the hub's black-box tests share (tests/integration/hub_devices, hub_sources/poller_test): child
// processes with their output in a file, bounded waits for a line of it, one-shot HTTP through libcurl, JSON
// lookups. Header-only; each test executable includes it once.
#pragma once

#include <curl/curl.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "json/json.hpp"

extern char** environ;

namespace cpe::testkit {

using json::Ptr;

struct Proc {
    pid_t pid = -1;
    std::string out;  // file with stdout+stderr
};

inline Proc spawn(const std::vector<std::string>& argv, const std::string& out, const std::vector<std::string>& env_extra = {},
           const std::string& cwd = "") {
    Proc p;
    p.out = out;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&fa, cwd.c_str());
    std::vector<std::string> env;
    for (char** e = environ; *e; ++e) env.push_back(*e);
    for (const auto& e : env_extra) env.push_back(e);
    std::vector<char*> a, en;
    for (const auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
    a.push_back(nullptr);
    for (const auto& s : env) en.push_back(const_cast<char*>(s.c_str()));
    en.push_back(nullptr);
    if (posix_spawn(&p.pid, a[0], &fa, nullptr, a.data(), en.data()) != 0) p.pid = -1;
    posix_spawn_file_actions_destroy(&fa);
    return p;
}

inline void stop(Proc& p) {
    if (p.pid <= 0) return;
    kill(p.pid, SIGTERM);
    for (int i = 0; i < 50; ++i) {
        if (waitpid(p.pid, nullptr, WNOHANG) == p.pid) {
            p.pid = -1;
            return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    kill(p.pid, SIGKILL);
    waitpid(p.pid, nullptr, 0);
    p.pid = -1;
}

inline std::string slurp(const std::string& path) {
    std::ifstream f(path);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

// Waits (bounded) until `needle` appears in the process output; returns the text after it up to the line end.
inline std::string wait_for(const Proc& p, const std::string& needle, int seconds = 30) {
    for (int i = 0; i < seconds * 10; ++i) {
        std::string s = slurp(p.out);
        size_t at = s.find(needle);
        if (at != std::string::npos) {
            size_t end = s.find('\n', at);
            if (end != std::string::npos) return s.substr(at + needle.size(), end - at - needle.size());
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return "";
}

struct Http {
    long status = 0;
    std::string body;
};

inline size_t collect(char* data, size_t size, size_t n, void* user) {
    static_cast<std::string*>(user)->append(data, size * n);
    return size * n;
}

inline Http request(const std::string& method, const std::string& url, const std::vector<std::string>& headers = {},
             const std::string& body = "", const std::string& source_ip = "") {
    Http r;
    CURL* c = curl_easy_init();
    curl_slist* h = nullptr;
    for (const auto& x : headers) h = curl_slist_append(h, x.c_str());
    if (!body.empty() || method == "POST") h = curl_slist_append(h, "Content-Type: application/json");
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
    if (method == "POST") curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
    if (!source_ip.empty()) curl_easy_setopt(c, CURLOPT_INTERFACE, source_ip.c_str());
    if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return r;
}

inline Ptr parse(const std::string& s) {
    auto r = cpe::json::parse(s, "answer");
    return r ? std::move(r).value() : Ptr(cJSON_CreateNull());
}
inline const cJSON* at(const cJSON* o, std::initializer_list<const char*> keys) {
    for (const char* k : keys) o = o ? cJSON_GetObjectItemCaseSensitive(o, k) : nullptr;
    return o;
}
inline std::string str(const cJSON* o, std::initializer_list<const char*> keys) {
    const cJSON* v = at(o, keys);
    return cJSON_IsString(v) ? v->valuestring : "<absent>";
}

// A fleet from tests/sim/fleet/make_fleet.py written to <dir>/fleet.json (its log in <dir>/gen.log), parsed; `extra`
// are more generator options. On failure the value has no "devices" array and `why` says what the generator said.
inline Ptr generate_fleet(const std::string& python, const std::string& source_dir, const std::string& dir, int count,
                          int seed, const std::vector<std::string>& extra, std::string& why) {
    const std::string fleet_path = dir + "/fleet.json";
    std::vector<std::string> argv = {python, source_dir + "/tests/sim/fleet/make_fleet.py", "--count",
                                     std::to_string(count), "--seed", std::to_string(seed), "--out", fleet_path};
    argv.insert(argv.end(), extra.begin(), extra.end());
    Proc gen = spawn(argv, dir + "/gen.log");
    int st = 0;
    if (gen.pid > 0) waitpid(gen.pid, &st, 0);
    Ptr fleet = parse(slurp(fleet_path));
    if (!cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(fleet.get(), "devices"))) why = "no fleet: " + slurp(dir + "/gen.log");
    return fleet;
}

// A number at `keys`, -1 when absent or not a number.
inline double num(const cJSON* o, std::initializer_list<const char*> keys) {
    const cJSON* v = at(o, keys);
    return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

}  // namespace cpe::testkit
