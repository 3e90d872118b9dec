// cpectl: a command-line client of the hub's HTTP API. Prints the hub's JSON answer; on an HTTP error it
// prints the hub's error message and exits 1 (2 for usage errors, 3 when the hub cannot be reached).
#include <curl/curl.h>

#include <cctype>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "json/json.hpp"
#include "net/curl_handle.hpp"
#include "util/text.hpp"

namespace {

const char* kUsage =
    "usage: cpectl [--hub URL] [--timeout S] <command> …\n"
    "  endpoints                          the registry: every USP endpoint the hub knows\n"
    "  endpoint <ep>                      one endpoint with its last Device.DeviceInfo. snapshot\n"
    "  get <ep> <path>… [--max-depth N]   USP Get\n"
    "  instances <ep> <path>… [--first-level]\n"
    "  supported <ep> <path>… [--first-level]\n"
    "  set <ep> <param>=<value>…          USP Set (full parameter paths)\n"
    "  operate <ep> <command> [<arg>=<value>…]   e.g. operate os::1C61B4-X 'Device.Reboot()'\n"
    "  notifications <ep>                 the endpoint's recent notifications\n"
    "  health\n"
    "  tech-link <technician> [<days>]    a technician's /t/ token link (QR flow, docs/qr.md); the token is "
    "shown once\n"
    "  tech-links                         the token links issued (never their tokens)\n"
    "  tech-revoke <id>                   revoke a token link (its sessions end at once)\n"
    "  --hub URL      the hub (default $CPE_HUB or http://127.0.0.1:3300)\n"
    "  the service token, if the hub asks for one, is read from $CPE_HUB_TOKEN (sent as a Bearer token)\n"
    "  --timeout S    seconds to wait for the hub (default 30)\n";

std::string escape(const std::string& s) {
    return cpe::text::percent_encode(s, cpe::text::kUnreserved);
}

size_t collect(char* data, size_t size, size_t n, void* user) {
    static_cast<std::string*>(user)->append(data, size * n);
    return size * n;
}

int usage(const std::string& why) {
    std::fprintf(stderr, "cpectl: %s\n%s", why.c_str(), kUsage);
    return 2;
}

int call(const std::string& hub, long timeout_s, const std::string& method, const std::string& path,
         const std::string& body) {
    cpe::net::CurlEasy curl(curl_easy_init());
    if (!curl) {
        std::fprintf(stderr, "cpectl: curl_easy_init failed\n");
        return 3;
    }
    std::string url = hub + path;
    std::string response;
    char errbuf[CURL_ERROR_SIZE] = {0};
    cpe::net::CurlSlist headers;
    auto add_header = [&headers](const std::string& h) { cpe::net::append(headers, h.c_str()); };
    // From the environment, never the command line (visible in ps).
    if (const char* token = std::getenv("CPE_HUB_TOKEN"); token && *token)
        add_header(std::string("Authorization: Bearer ") + token);
    curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &response);
    curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT, timeout_s);
    curl_easy_setopt(curl.get(), CURLOPT_CONNECTTIMEOUT, 5L);
    curl_easy_setopt(curl.get(), CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(curl.get(), CURLOPT_NOPROXY, "127.0.0.1,localhost,::1");
    if (method == "DELETE") curl_easy_setopt(curl.get(), CURLOPT_CUSTOMREQUEST, "DELETE");
    if (method == "POST") {
        add_header("Content-Type: application/json");
        curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDS, body.c_str());
        curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    }
    if (headers) curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, headers.get());
    CURLcode rc = curl_easy_perform(curl.get());
    if (rc != CURLE_OK) {
        std::fprintf(stderr, "cpectl: %s %s: %s\n", method.c_str(), hub.c_str(),
                     errbuf[0] ? errbuf : curl_easy_strerror(rc));
        return 3;
    }
    long status = 0;
    curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
    auto doc = cpe::json::parse(response, "hub response");
    if (status >= 400) {
        std::string message = response;
        if (doc) {
            if (auto e = cpe::json::opt_string(doc->get(), "error")) message = *e;
        }
        std::fprintf(stderr, "cpectl: hub answered %ld: %s\n", status, message.c_str());
        return 1;
    }
    if (doc) {
        std::string pretty = cpe::json::print(doc->get(), true);
        std::fwrite(pretty.data(), 1, pretty.size(), stdout);
        std::fputc('\n', stdout);
    } else {
        std::fwrite(response.data(), 1, response.size(), stdout);
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    const char* env = std::getenv("CPE_HUB");
    std::string hub = env && *env ? env : "http://127.0.0.1:3300";
    long timeout_s = 30;
    std::vector<std::string> args;
    std::string max_depth;
    bool first_level = false;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--help" || a == "-h") {
            std::fputs(kUsage, stdout);
            return 0;
        } else if (a == "--hub" || a == "--timeout" || a == "--max-depth") {
            if (i + 1 >= argc) return usage(a + " needs a value");
            std::string v = argv[++i];
            if (a == "--hub") {
                hub = v;
            } else {
                if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos || v.size() > 9)
                    return usage(a + ": '" + v + "' is not a non-negative integer");
                if (a == "--timeout")
                    timeout_s = std::atol(v.c_str());
                else
                    max_depth = v;
            }
        } else if (a == "--first-level") {
            first_level = true;
        } else if (a.size() > 2 && a.rfind("--", 0) == 0) {
            return usage("unknown option " + a);
        } else {
            args.push_back(a);
        }
    }
    while (!hub.empty() && hub.back() == '/') hub.pop_back();
    if (args.empty()) return usage("no command given");
    const std::string cmd = args[0];
    curl_global_init(CURL_GLOBAL_DEFAULT);
    auto need = [&](size_t n, const char* what) {
        return args.size() >= n ? std::string() : std::string(what);
    };
    int rc = 0;
    if (cmd == "endpoints" || cmd == "health") {
        if (args.size() != 1) return usage(cmd + " takes no arguments");
        rc = call(hub, timeout_s, "GET", cmd == "health" ? "/health" : "/usp/endpoints", "");
    } else if (cmd == "endpoint" || cmd == "notifications") {
        if (args.size() != 2) return usage(cmd + " needs exactly one endpoint id");
        rc = call(hub, timeout_s, "GET",
                  "/usp/" + escape(args[1]) + (cmd == "endpoint" ? "" : "/notifications"), "");
    } else if (cmd == "get" || cmd == "instances" || cmd == "supported") {
        if (auto e = need(3, "needs an endpoint id and at least one path"); !e.empty())
            return usage(cmd + " " + e);
        std::string q;
        for (size_t i = 2; i < args.size(); ++i)
            q += (q.empty() ? "?" : "&") + std::string("path=") + escape(args[i]);
        if (cmd == "get" && !max_depth.empty()) q += "&max_depth=" + max_depth;
        if (cmd != "get" && first_level) q += "&first_level_only=true";
        rc = call(hub, timeout_s, "GET", "/usp/" + escape(args[1]) + "/" + cmd + q, "");
    } else if (cmd == "set") {
        if (auto e = need(3, "needs an endpoint id and at least one param=value"); !e.empty())
            return usage("set " + e);
        auto body = cpe::json::make_object();
        auto params = cpe::json::make_object();
        for (size_t i = 2; i < args.size(); ++i) {
            auto eq = args[i].find('=');
            if (eq == std::string::npos || eq == 0) return usage("set: '" + args[i] + "' is not param=value");
            cpe::json::add_string(params.get(), args[i].substr(0, eq).c_str(), args[i].substr(eq + 1));
        }
        cpe::json::add(body.get(), "params", std::move(params));
        rc = call(hub, timeout_s, "POST", "/usp/" + escape(args[1]) + "/set", cpe::json::print(body.get()));
    } else if (cmd == "operate") {
        if (auto e = need(3, "needs an endpoint id and a command"); !e.empty()) return usage("operate " + e);
        auto body = cpe::json::make_object();
        cpe::json::add_string(body.get(), "command", args[2]);
        auto in = cpe::json::make_object();
        for (size_t i = 3; i < args.size(); ++i) {
            auto eq = args[i].find('=');
            if (eq == std::string::npos || eq == 0)
                return usage("operate: '" + args[i] + "' is not arg=value");
            cpe::json::add_string(in.get(), args[i].substr(0, eq).c_str(), args[i].substr(eq + 1));
        }
        cpe::json::add(body.get(), "args", std::move(in));
        rc = call(hub, timeout_s, "POST", "/usp/" + escape(args[1]) + "/operate",
                  cpe::json::print(body.get()));
    } else if (cmd == "tech-link") {
        if (args.size() != 2 && args.size() != 3)
            return usage("tech-link needs a technician and optionally a number of days");
        auto body = cpe::json::make_object();
        cpe::json::add_string(body.get(), "tech", args[1]);
        if (args.size() == 3) {
            if (args[2].empty() || args[2].size() > 3 ||
                args[2].find_first_not_of("0123456789") != std::string::npos)
                return usage("tech-link: days '" + args[2] + "' is not a number of days (1..366)");
            cpe::json::add_number(body.get(), "days", std::atoi(args[2].c_str()));
        }
        rc = call(hub, timeout_s, "POST", "/qr/tokens", cpe::json::print(body.get()));
    } else if (cmd == "tech-links") {
        if (args.size() != 1) return usage("tech-links takes no arguments");
        rc = call(hub, timeout_s, "GET", "/qr/tokens", "");
    } else if (cmd == "tech-revoke") {
        if (args.size() != 2) return usage("tech-revoke needs a token link id");
        rc = call(hub, timeout_s, "DELETE", "/qr/tokens/" + escape(args[1]), "");
    } else {
        return usage("unknown command '" + cmd + "'");
    }
    curl_global_cleanup();
    return rc;
}
