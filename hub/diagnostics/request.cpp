#include "diagnostics/request.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <optional>
#include <set>
#include <vector>

namespace cpe::hub::diagnostics {

const char* kind_name(Kind k) {
    switch (k) {
        case Kind::ping:
            return "ping";
        case Kind::traceroute:
            return "traceroute";
        case Kind::download:
            return "download";
        case Kind::upload:
            return "upload";
        case Kind::nslookup:
            return "nslookup";
        case Kind::wifi_scan:
            return "wifiScan";
    }
    return "unknown";
}

namespace {

Error bad(const std::string& what) {
    return make_error(Errc::invalid_argument, what);
}

bool valid_ipv4(std::string_view s) {
    int parts = 0;
    size_t i = 0;
    while (i <= s.size()) {
        size_t j = i;
        unsigned v = 0;
        while (j < s.size() && s[j] >= '0' && s[j] <= '9' && j - i < 3) v = v * 10 + unsigned(s[j++] - '0');
        if (j == i || v > 255) return false;
        ++parts;
        if (j == s.size()) break;
        if (s[j] != '.') return false;
        i = j + 1;
    }
    return parts == 4;
}

bool valid_ipv6(std::string_view s) {
    if (s.size() < 2 || s.size() > 45) return false;
    int colons = 0;
    for (char c : s) {
        if (c == ':')
            ++colons;
        else if (!std::isxdigit(static_cast<unsigned char>(c)) && c != '.')
            return false;
    }
    return colons >= 2 && colons <= 7;
}

bool valid_dns_name(std::string_view s) {
    if (s.empty() || s.size() > 253) return false;
    size_t label = 0;
    char prev = '.';
    for (char c : s) {
        if (c == '.') {
            if (label == 0 || prev == '-') return false;
            label = 0;
        } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') {
            if (label == 0 && c == '-') return false;
            if (++label > 63) return false;
        } else {
            return false;
        }
        prev = c;
    }
    return prev != '-';
}

// One request's argument reader: records which members were read so the rest can be named as unknown.
struct Args {
    const cJSON* obj;
    std::set<std::string> seen{"type"};
    json::Ptr echo = json::make_object();

    const cJSON* member(const char* key) {
        seen.insert(key);
        return cJSON_GetObjectItemCaseSensitive(obj, key);
    }
    Result<std::optional<std::string>> text(const char* key, size_t max_len) {
        const cJSON* v = member(key);
        if (!v || cJSON_IsNull(v)) return std::optional<std::string>{};
        if (!cJSON_IsString(v) || !v->valuestring)
            return bad(std::string("'") + key + "': expected a string");
        std::string s = v->valuestring;
        if (s.empty()) return bad(std::string("'") + key + "': must not be empty");
        if (s.size() > max_len)
            return bad(std::string("'") + key + "': longer than " + std::to_string(max_len) + " characters");
        json::add_string(echo.get(), key, s);
        return std::optional<std::string>{s};
    }
    Result<uint64_t> number(const char* key, uint64_t lo, uint64_t hi, uint64_t dflt) {
        const cJSON* v = member(key);
        uint64_t out = dflt;
        if (v && !cJSON_IsNull(v)) {
            double d = v->valuedouble;
            if (!cJSON_IsNumber(v) || !std::isfinite(d) || d != std::floor(d) || d < double(lo) ||
                d > double(hi))
                return bad(std::string("'") + key + "': expected an integer " + std::to_string(lo) + "…" +
                           std::to_string(hi));
            out = static_cast<uint64_t>(d);
        }
        json::add_number(echo.get(), key, static_cast<double>(out));
        return out;
    }
    Status unknown_members() const {
        for (const cJSON* c = obj->child; c; c = c->next) {
            std::string k = c->string ? c->string : "";
            if (!seen.count(k)) return bad("unknown argument '" + k + "'");
        }
        return {};
    }
};

Result<std::string> host_arg(Args& a, const char* key, bool required) {
    auto h = a.text(key, 253);
    if (!h) return h.error();
    if (!*h) {
        if (required) return bad(std::string("'") + key + "' is required");
        return std::string();
    }
    if (!valid_host(**h))
        return bad(std::string("'") + key + "': not a host name or IP address: '" + **h + "'");
    return **h;
}

Status protocol_arg(Args& a, Request& r) {
    auto p = a.text("protocol", 8);
    if (!p) return p.error();
    if (!*p) return {};
    if (**p != "IPv4" && **p != "IPv6" && **p != "Any")
        return bad("'protocol': expected \"IPv4\", \"IPv6\" or \"Any\"");
    r.inputs["ProtocolVersion"] = **p;
    return {};
}

Status dscp_arg(Args& a, Request& r) {
    if (!cJSON_GetObjectItemCaseSensitive(a.obj, "dscp")) {
        a.seen.insert("dscp");
        return {};
    }
    auto d = a.number("dscp", 0, 63, 0);
    if (!d) return d.error();
    r.inputs["DSCP"] = std::to_string(*d);
    return {};
}

Status tr143_args(Args& a, Request& r, const Limits& l, const std::string& default_url,
                  const char* url_input) {
    auto u = a.text("url", 1024);
    if (!u) return u.error();
    std::string url = *u ? **u : default_url;
    if (url.empty()) return bad("'url' is required (this hub serves no TR-143 endpoint of its own)");
    if (!valid_url(url)) return bad("'url': expected an http:// or https:// URL with a host: '" + url + "'");
    if (!*u) json::add_string(a.echo.get(), "url", url);
    r.inputs[url_input] = url;
    auto c = a.number("connections", 1, l.max_connections, 1);
    if (!c) return c.error();
    r.inputs["NumberOfConnections"] = std::to_string(*c);
    auto d = a.number("durationS", 0, l.max_duration_s, 0);
    if (!d) return d.error();
    if (*d) r.inputs["TimeBasedTestDuration"] = std::to_string(*d);
    r.expected_ms = *d ? *d * 1000 + 10000 : 60000;
    if (auto st = dscp_arg(a, r); !st) return st;
    return protocol_arg(a, r);
}

}  // namespace

bool valid_host(std::string_view host) {
    if (host.empty() || host.size() > 253) return false;
    if (host.find(':') != std::string_view::npos) return valid_ipv6(host);
    bool digits_and_dots = host.find_first_not_of("0123456789.") == std::string_view::npos;
    if (digits_and_dots) return valid_ipv4(host);
    return valid_dns_name(host);
}

bool valid_url(std::string_view url) {
    if (url.size() > 1024) return false;
    size_t scheme = url.starts_with("http://") ? 7 : url.starts_with("https://") ? 8 : 0;
    if (!scheme) return false;
    for (char c : url)
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return false;
    std::string_view rest = url.substr(scheme);
    size_t end = rest.find_first_of("/?#");
    std::string_view authority = rest.substr(0, end);
    if (authority.find('@') != std::string_view::npos) return false;  // no credentials in a diagnostics URL
    std::string_view host = authority;
    if (!host.empty() && host.front() == '[') {
        size_t close = host.find(']');
        if (close == std::string_view::npos) return false;
        std::string_view port = host.substr(close + 1);
        host = host.substr(1, close - 1);
        if (!port.empty() && (port.front() != ':' || port.size() < 2 || port.size() > 6 ||
                              port.substr(1).find_first_not_of("0123456789") != std::string_view::npos))
            return false;
        return valid_ipv6(host);
    }
    size_t colon = host.rfind(':');
    if (colon != std::string_view::npos) {
        std::string_view port = host.substr(colon + 1);
        if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string_view::npos)
            return false;
        if (std::stoul(std::string(port)) > 65535) return false;
        host = host.substr(0, colon);
    }
    return valid_host(host);
}

Result<Request> parse_request(std::string_view body, const Limits& l, const std::string& default_url) {
    if (body.size() > l.max_body_bytes)
        return make_error(Errc::too_large,
                          "request body larger than " + std::to_string(l.max_body_bytes) + " bytes");
    auto doc = json::parse(body, "request body");
    if (!doc) return bad(doc.error().message);
    if (!cJSON_IsObject(doc->get())) return bad("request body: expected a JSON object {\"type\": …}");
    Args a{doc->get()};
    const cJSON* t = cJSON_GetObjectItemCaseSensitive(a.obj, "type");
    if (!t) return bad("'type' is required: ping, traceroute, download, upload, nslookup or wifiScan");
    if (!cJSON_IsString(t) || !t->valuestring) return bad("'type': expected a string");
    std::string type = t->valuestring;
    Request r;
    if (type == "ping") {
        r.kind = Kind::ping;
        r.command = "Device.IP.Diagnostics.IPPing()";
        auto h = host_arg(a, "host", true);
        if (!h) return h.error();
        r.inputs["Host"] = *h;
        auto n = a.number("count", 1, l.max_repetitions, 4);
        if (!n) return n.error();
        r.inputs["NumberOfRepetitions"] = std::to_string(*n);
        auto to = a.number("timeoutMs", 100, l.max_timeout_ms, 1000);
        if (!to) return to.error();
        r.inputs["Timeout"] = std::to_string(*to);
        auto sz = a.number("size", 1, 65500, 56);
        if (!sz) return sz.error();
        r.inputs["DataBlockSize"] = std::to_string(*sz);
        if (auto st = dscp_arg(a, r); !st) return st.error();
        if (auto st = protocol_arg(a, r); !st) return st.error();
        r.expected_ms = *n * *to;
    } else if (type == "traceroute") {
        r.kind = Kind::traceroute;
        r.command = "Device.IP.Diagnostics.TraceRoute()";
        auto h = host_arg(a, "host", true);
        if (!h) return h.error();
        r.inputs["Host"] = *h;
        auto tries = a.number("tries", 1, 3, 3);
        if (!tries) return tries.error();
        r.inputs["NumberOfTries"] = std::to_string(*tries);
        auto to = a.number("timeoutMs", 100, l.max_timeout_ms, 2000);
        if (!to) return to.error();
        r.inputs["Timeout"] = std::to_string(*to);
        auto hops = a.number("maxHops", 1, l.max_hops, 30);
        if (!hops) return hops.error();
        r.inputs["MaxHopCount"] = std::to_string(*hops);
        if (auto st = dscp_arg(a, r); !st) return st.error();
        if (auto st = protocol_arg(a, r); !st) return st.error();
        r.expected_ms = *hops * *tries * *to;
    } else if (type == "download") {
        r.kind = Kind::download;
        r.command = "Device.IP.Diagnostics.DownloadDiagnostics()";
        if (auto st = tr143_args(a, r, l, default_url, "DownloadURL"); !st) return st.error();
    } else if (type == "upload") {
        r.kind = Kind::upload;
        r.command = "Device.IP.Diagnostics.UploadDiagnostics()";
        std::string dflt = default_url;
        if (!dflt.empty()) {  // the hub's download URL names its upload endpoint beside it
            size_t q = dflt.find("/tr143/download");
            dflt = q == std::string::npos ? std::string() : dflt.substr(0, q) + "/tr143/upload";
        }
        if (auto st = tr143_args(a, r, l, dflt, "UploadURL"); !st) return st.error();
        auto bytes = a.number("bytes", 1, l.max_upload_bytes, 10'000'000);
        if (!bytes) return bytes.error();
        r.inputs["TestFileLength"] = std::to_string(*bytes);
    } else if (type == "nslookup") {
        r.kind = Kind::nslookup;
        r.command = "Device.DNS.Diagnostics.NSLookupDiagnostics()";
        auto h = host_arg(a, "hostName", true);
        if (!h) return h.error();
        r.inputs["HostName"] = *h;
        auto s = host_arg(a, "dnsServer", false);
        if (!s) return s.error();
        if (!s->empty()) r.inputs["DNSServer"] = *s;
        auto n = a.number("count", 1, std::min(l.max_repetitions, 10u), 1);
        if (!n) return n.error();
        r.inputs["NumberOfRepetitions"] = std::to_string(*n);
        auto to = a.number("timeoutMs", 100, l.max_timeout_ms, 2000);
        if (!to) return to.error();
        r.inputs["Timeout"] = std::to_string(*to);
        r.expected_ms = *n * *to;
    } else if (type == "wifiScan") {
        r.kind = Kind::wifi_scan;
        r.command = "Device.WiFi.NeighboringWiFiDiagnostic()";
        r.expected_ms = 15000;
    } else {
        std::string shown = type.size() > 40 ? type.substr(0, 40) + "…" : type;
        return bad("'type': unknown diagnostic '" + shown +
                   "' (expected ping, traceroute, download, upload, nslookup or wifiScan)");
    }
    if (auto st = a.unknown_members(); !st) return st.error();
    r.args = std::move(a.echo);
    return r;
}

// ---- results -------------------------------------------------------------------------------------

namespace {

std::optional<double> num(const std::map<std::string, std::string>& o, const std::string& key) {
    auto it = o.find(key);
    if (it == o.end() || it->second.empty() || it->second.size() > 24) return std::nullopt;
    const std::string& s = it->second;
    if (s.find_first_not_of("0123456789.-") != std::string::npos) return std::nullopt;
    char* end = nullptr;
    double v = std::strtod(s.c_str(), &end);
    if (!end || *end || !std::isfinite(v)) return std::nullopt;
    return v;
}

std::string str(const std::map<std::string, std::string>& o, const std::string& key) {
    auto it = o.find(key);
    return it == o.end() ? std::string() : it->second;
}

// The instance numbers of "<table>.{i}." present in the outputs, ascending (at most `max`).
std::vector<unsigned> instances(const std::map<std::string, std::string>& o, const std::string& table,
                                size_t max) {
    std::set<unsigned> out;
    std::string prefix = table + ".";
    for (auto it = o.lower_bound(prefix); it != o.end() && it->first.starts_with(prefix); ++it) {
        std::string rest = it->first.substr(prefix.size());
        size_t dot = rest.find('.');
        std::string n = rest.substr(0, dot);
        if (n.empty() || n.size() > 6 || n.find_first_not_of("0123456789") != std::string::npos) continue;
        out.insert(static_cast<unsigned>(std::stoul(n)));
        if (out.size() >= max) break;
    }
    return {out.begin(), out.end()};
}

std::string fmt(double v, int decimals) {
    char b[64];
    std::snprintf(b, sizeof b, "%.*f", decimals, v);
    return b;
}

void add_opt(cJSON* o, const char* key, std::optional<double> v) {
    if (v) json::add_number(o, key, *v);
}

json::Ptr string_list(const std::string& csv) {
    auto a = json::make_array();
    size_t start = 0;
    while (start < csv.size()) {
        size_t end = csv.find(',', start);
        if (end == std::string::npos) end = csv.size();
        std::string item = csv.substr(start, end - start);
        while (!item.empty() && item.front() == ' ') item.erase(item.begin());
        if (!item.empty()) json::append(a.get(), json::Ptr(cJSON_CreateString(item.c_str())));
        start = end + 1;
    }
    return a;
}

}  // namespace

json::Ptr render_result(Kind kind, const std::map<std::string, std::string>& o) {
    auto r = json::make_object();
    std::string status = str(o, "Status");
    if (status.empty()) status = str(o, "DiagnosticsState");  // TR-069 objects
    bool ok = status.empty() || status == "Complete" || status == "Completed";
    if (!status.empty()) json::add_string(r.get(), "status", status);
    std::string summary;
    constexpr size_t kMaxRows = 256;
    switch (kind) {
        case Kind::ping: {
            auto s = num(o, "SuccessCount"), f = num(o, "FailureCount");
            add_opt(r.get(), "received", s);
            if (s && f) {
                double sent = *s + *f;
                json::add_number(r.get(), "sent", sent);
                double loss = sent > 0 ? 100.0 * *f / sent : 0;
                json::add_number(r.get(), "lossPercent", std::round(loss * 10) / 10);
                summary = fmt(sent, 0) + " sent, " + fmt(*s, 0) + " received, " + fmt(loss, 0) + " % loss";
            }
            // The …Detailed forms are in microseconds (TR-181 2.9+); the plain ones in milliseconds.
            auto pick = [&](const char* detailed, const char* plain) -> std::optional<double> {
                if (auto d = num(o, detailed)) return *d / 1000.0;
                return num(o, plain);
            };
            auto avg = pick("AverageResponseTimeDetailed", "AverageResponseTime");
            auto mn = pick("MinimumResponseTimeDetailed", "MinimumResponseTime");
            auto mx = pick("MaximumResponseTimeDetailed", "MaximumResponseTime");
            add_opt(r.get(), "avgMs", avg);
            add_opt(r.get(), "minMs", mn);
            add_opt(r.get(), "maxMs", mx);
            if (avg && s && *s > 0) summary += ", latency " + fmt(*avg, 1) + " ms average";
            if (mn && mx && s && *s > 0) summary += " (" + fmt(*mn, 1) + "–" + fmt(*mx, 1) + " ms)";
            break;
        }
        case Kind::traceroute: {
            auto hops = json::make_array();
            auto ids = instances(o, "RouteHops", kMaxRows);
            std::string last;
            for (unsigned i : ids) {
                std::string b = "RouteHops." + std::to_string(i) + ".";
                auto h = json::make_object();
                json::add_number(h.get(), "hop", i);
                json::add_string(h.get(), "host", str(o, b + "Host"));
                json::add_string(h.get(), "address", str(o, b + "HostAddress"));
                auto rtts = json::make_array();
                std::string rt = str(o, b + "RTTimes");
                size_t start = 0;
                while (start < rt.size()) {
                    size_t end = rt.find(',', start);
                    if (end == std::string::npos) end = rt.size();
                    std::map<std::string, std::string> one{{"v", rt.substr(start, end - start)}};
                    if (auto v = num(one, "v")) json::append(rtts.get(), json::Ptr(cJSON_CreateNumber(*v)));
                    start = end + 1;
                }
                json::add(h.get(), "rttMs", std::move(rtts));
                if (auto e = num(o, b + "ErrorCode")) json::add_number(h.get(), "errorCode", *e);
                last = str(o, b + "HostAddress");
                json::append(hops.get(), std::move(h));
            }
            summary = std::to_string(ids.size()) + (ids.size() == 1 ? " hop" : " hops");
            if (!last.empty()) summary += ", last " + last;
            json::add(r.get(), "hops", std::move(hops));
            add_opt(r.get(), "responseTimeMs", num(o, "ResponseTime"));
            break;
        }
        case Kind::download:
        case Kind::upload: {
            bool down = kind == Kind::download;
            // TR-143 / TR-181: TestBytesReceived (download) or TestFileLength/TestBytesSent (upload) between
            // BOMTime and EOMTime (ISO 8601 with microseconds).
            auto bytes = down ? num(o, "TestBytesReceived") : num(o, "TestBytesSent");
            if (!bytes && !down) bytes = num(o, "TestFileLength");
            auto parse_time = [&](const std::string& key) -> std::optional<double> {
                std::string t = str(o, key);
                int Y, M, D, h, m;
                double s;
                if (std::sscanf(t.c_str(), "%4d-%2d-%2dT%2d:%2d:%lf", &Y, &M, &D, &h, &m, &s) != 6)
                    return std::nullopt;
                // Days from civil (H. Hinnant's algorithm, public domain description).
                int y = Y - (M <= 2);
                int era = (y >= 0 ? y : y - 399) / 400;
                unsigned yoe = static_cast<unsigned>(y - era * 400);
                unsigned doy = (153 * (M + (M > 2 ? -3 : 9)) + 2) / 5 + static_cast<unsigned>(D) - 1;
                unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
                double days = era * 146097.0 + doe - 719468.0;
                return days * 86400.0 + h * 3600.0 + m * 60.0 + s;
            };
            auto bom = parse_time("BOMTime"), eom = parse_time("EOMTime");
            add_opt(r.get(), "bytes", bytes);
            if (bom && eom && *eom > *bom) {
                double secs = *eom - *bom;
                json::add_number(r.get(), "seconds", std::round(secs * 1000) / 1000);
                if (bytes) {
                    double mbps = *bytes * 8 / secs / 1e6;
                    json::add_number(r.get(), "mbps", std::round(mbps * 100) / 100);
                    summary = fmt(mbps, 1) + " Mb/s " + (down ? "down" : "up") + " (" + fmt(*bytes / 1e6, 1) +
                              " MB in " + fmt(secs, 1) + " s)";
                }
            }
            auto conns = instances(o, "PerConnectionResult", kMaxRows);
            if (!conns.empty()) json::add_number(r.get(), "connections", static_cast<double>(conns.size()));
            break;
        }
        case Kind::nslookup: {
            auto answers = json::make_array();
            auto ids = instances(o, "Result", kMaxRows);
            std::string first, first_error;
            for (unsigned i : ids) {
                std::string b = "Result." + std::to_string(i) + ".";
                if (first_error.empty() && str(o, b + "Status") != "Success")
                    first_error = str(o, b + "Status");
                auto a = json::make_object();
                json::add_string(a.get(), "status", str(o, b + "Status"));
                json::add_string(a.get(), "answerType", str(o, b + "AnswerType"));
                json::add_string(a.get(), "name", str(o, b + "HostNameReturned"));
                json::add(a.get(), "addresses", string_list(str(o, b + "IPAddresses")));
                json::add_string(a.get(), "server", str(o, b + "DNSServerIP"));
                add_opt(a.get(), "ms", num(o, b + "ResponseTime"));
                if (first.empty() && str(o, b + "Status") == "Success") first = str(o, b + "IPAddresses");
                json::append(answers.get(), std::move(a));
            }
            json::add(r.get(), "answers", std::move(answers));
            summary = !first.empty()         ? "resolves to " + first
                      : !first_error.empty() ? "not resolved: " + first_error
                                             : "no address";
            break;
        }
        case Kind::wifi_scan: {
            auto nets = json::make_array();
            auto ids = instances(o, "Result", kMaxRows);
            for (unsigned i : ids) {
                std::string b = "Result." + std::to_string(i) + ".";
                auto n = json::make_object();
                json::add_string(n.get(), "ssid", str(o, b + "SSID"));
                json::add_string(n.get(), "bssid", str(o, b + "BSSID"));
                add_opt(n.get(), "channel", num(o, b + "Channel"));
                json::add_string(n.get(), "band", str(o, b + "OperatingFrequencyBand"));
                add_opt(n.get(), "signalDbm", num(o, b + "SignalStrength"));
                json::add_string(n.get(), "bandwidth", str(o, b + "OperatingChannelBandwidth"));
                json::add_string(n.get(), "security", str(o, b + "SecurityModeEnabled"));
                add_opt(n.get(), "noiseDbm", num(o, b + "Noise"));
                json::add_string(n.get(), "radio", str(o, b + "Radio"));
                json::append(nets.get(), std::move(n));
            }
            json::add(r.get(), "networks", std::move(nets));
            summary = std::to_string(ids.size()) + " neighbouring network" + (ids.size() == 1 ? "" : "s");
            break;
        }
    }
    if (!ok) summary = status;  // the counts of a test that did not run say nothing
    json::add_bool(r.get(), "ok", ok);
    json::add_string(r.get(), "summary", summary);
    return r;
}

}  // namespace cpe::hub::diagnostics
