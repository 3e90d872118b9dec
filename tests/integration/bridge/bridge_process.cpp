#include "bridge_process.hpp"

#include <curl/curl.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "json/json.hpp"

namespace cpe::test {

Result<std::unique_ptr<Child>> Child::start(std::vector<std::string> argv, const std::string& log_path,
                                            const std::string& ready) {
    std::unique_ptr<Child> c(new Child());
    c->proc_ = testkit::spawn(argv, log_path);
    if (c->proc_.pid <= 0) return make_error(Errc::io_error, argv[0] + ": cannot start");
    const std::string rest = testkit::wait_for(c->proc_, ready, 30);
    if (rest.empty()) {
        if (testkit::exited(c->proc_))
            return make_error(Errc::unavailable, argv[0] + " exited before its first line (status " +
                                                     std::to_string(c->proc_.status) + ")");
        return make_error(Errc::timeout, argv[0] + ": no '" + ready + "' line within 30 s");
    }
    c->line_ = ready + rest;
    return c;
}

Result<std::unique_ptr<TplinkSim>> TplinkSim::start(std::vector<std::string> args) {
    std::vector<std::string> argv = {CPE_PYTHON3, TPLINK_SIM, "--port", "0"};
    if (std::find(args.begin(), args.end(), "--fixture") == args.end()) {
        argv.push_back("--fixture");  // built-in board data unless the test asks for the board fixture
        argv.push_back("");
    }
    argv.insert(argv.end(), args.begin(), args.end());
    std::string why;
    auto process = testkit::SimProcess::start(argv, 30, &why);
    if (!process) return make_error(Errc::unavailable, "the TP-Link simulator did not start: " + why);
    std::unique_ptr<TplinkSim> sim(new TplinkSim());
    sim->ports = process->ports();
    sim->process_ = std::move(process);
    return sim;
}

int64_t TplinkSim::stat(const char* key, size_t i) const {
    auto r = http_get("http://" + host(i) + "/__sim/stats", 10000);
    if (!r || r->status != 200) return -1;
    auto doc = json::parse(r->body, "sim stats");
    if (!doc) return -1;
    return json::opt_int(doc->get(), key).value_or(-1);
}

Result<HttpAnswer> http_get(const std::string& url, long timeout_ms) {
    testkit::HttpOptions options;
    options.timeout_ms = timeout_ms;
    HttpAnswer a = testkit::request("GET", url, {}, "", options);
    if (a.status == 0) return make_error(Errc::io_error, "GET " + url + ": " + a.error);
    return a;
}

std::string make_temp_dir(const char* prefix) {
    std::string tmpl = (std::filesystem::temp_directory_path() / (std::string(prefix) + "-XXXXXX")).string();
    if (!::mkdtemp(tmpl.data())) return "";
    return tmpl;
}

}  // namespace cpe::test
