#include "qr/install_check.hpp"

#include <cmath>

#include "json/json.hpp"
#include "qr/qr_core.hpp"

namespace cpe::hub::qr {

const char* item_state_name(ItemState s) {
    switch (s) {
        case ItemState::pass:
            return "pass";
        case ItemState::warn:
            return "warn";
        case ItemState::fail:
            return "fail";
        case ItemState::pending:
            return "pending";
    }
    return "pending";
}

namespace {
const cJSON* member(const cJSON* o, const char* k) {
    return o ? cJSON_GetObjectItemCaseSensitive(o, k) : nullptr;
}
std::string text(const cJSON* o, const char* k) {
    const cJSON* v = member(o, k);
    return cJSON_IsString(v) ? v->valuestring : "";
}
std::string num(double v, int decimals) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}
}  // namespace

namespace {
// A diagnostic that did not give a usable result: why, in words ("" = it did).
std::string unusable(const CheckDiagnostic& d) {
    const cJSON* rec = d.record;
    std::string st = text(rec, "status");
    if (st == "failed") {
        std::string r = text(rec, "reason");
        return "the diagnostic failed: " + (r.empty() ? std::string("no reason given") : r);
    }
    if (st != "complete") return "no result within the install check's time budget (diagnostic " + st + ")";
    const cJSON* res = member(rec, "result");
    if (!cJSON_IsTrue(member(res, "ok"))) {
        std::string s = text(res, "status");
        if (s.empty()) s = text(member(rec, "outputs"), "Status");
        return "the CPE reported " + (s.empty() ? std::string("an error") : s);
    }
    return "";
}

// A TR-069 CPE that refused the diagnostic's parameters with fault 9005 (Invalid parameter name, TR-069 Annex
// A table of faults) lacks that diagnostics object: it cannot run the test, like a 501 (hub/diagnostics names
// the fault "cwmp.9005" in the record's reason).
bool cannot_run(const CheckDiagnostic& d) {
    return text(d.record, "status") == "failed" &&
           text(d.record, "reason").find("cwmp.9005") != std::string::npos;
}

CheckItem grade_dns(const CheckDiagnostic& d) {
    if (!d.record) return {"dns", ItemState::pending, "DNS resolution from the CPE not run: " + d.not_run};
    if (cannot_run(d))
        return {"dns", ItemState::pending,
                "DNS resolution from the CPE not run: the device has no NSLookup diagnostics object (" +
                    text(d.record, "reason") + ")"};
    std::string name = text(member(d.record, "args"), "hostName");
    if (auto why = unusable(d); !why.empty())
        return {"dns", ItemState::fail, "resolving " + name + " from the CPE: " + why};
    const cJSON* answers = member(member(d.record, "result"), "answers");
    std::string first_error;
    for (const cJSON* a = answers ? answers->child : nullptr; a; a = a->next) {
        std::string st = text(a, "status");
        if (st == "Success") {
            std::string addrs;
            for (const cJSON* x = member(a, "addresses") ? member(a, "addresses")->child : nullptr; x;
                 x = x->next)
                if (cJSON_IsString(x)) addrs += (addrs.empty() ? "" : ", ") + std::string(x->valuestring);
            std::string server = text(a, "server");
            const cJSON* ms = member(a, "ms");
            return {
                "dns", ItemState::pass,
                name + " resolves to " + (addrs.empty() ? std::string("an address") : addrs) +
                    (server.empty() ? "" : " (server " + server) +
                    (cJSON_IsNumber(ms) ? (server.empty() ? " (" : ", ") + num(ms->valuedouble, 0) + " ms)"
                                        : (server.empty() ? "" : ")"))};
        }
        if (first_error.empty()) first_error = st;
    }
    return {"dns", ItemState::fail,
            name + " does not resolve from the CPE: " +
                (first_error.empty() ? std::string("no answer") : first_error)};
}

CheckItem grade_speed(const CheckDiagnostic& d, double pass_mbps, double warn_mbps) {
    if (!d.record) return {"speedtest", ItemState::pending, "speed test from the CPE not run: " + d.not_run};
    if (cannot_run(d))
        return {"speedtest", ItemState::pending,
                "speed test from the CPE not run: the device has no download diagnostics object (" +
                    text(d.record, "reason") + ")"};
    if (auto why = unusable(d); !why.empty())
        return {"speedtest", ItemState::fail, "download from the CPE: " + why};
    const cJSON* res = member(d.record, "result");
    const cJSON* mbps = member(res, "mbps");
    if (!cJSON_IsNumber(mbps))
        return {"speedtest", ItemState::fail, "download from the CPE: no throughput reported"};
    double v = mbps->valuedouble;
    std::string what = "download " + num(v, 1) + " Mb/s";
    const cJSON* bytes = member(res, "bytes");
    const cJSON* secs = member(res, "seconds");
    if (cJSON_IsNumber(bytes) && cJSON_IsNumber(secs))
        what += " (" + num(bytes->valuedouble / 1e6, 1) + " MB in " + num(secs->valuedouble, 1) + " s)";
    if (v >= pass_mbps) return {"speedtest", ItemState::pass, what};
    if (v >= warn_mbps)
        return {"speedtest", ItemState::warn, what + ", below " + num(pass_mbps, 0) + " Mb/s"};
    return {"speedtest", ItemState::fail, what + ", below " + num(warn_mbps, 0) + " Mb/s"};
}
}  // namespace

InstallCheck evaluate_install(const cJSON* view, const CheckDiagnostics& diag) {
    InstallCheck out;
    auto add = [&](std::string key, ItemState st, std::string reason) {
        out.items.push_back({std::move(key), st, std::move(reason)});
    };
    if (!view || !cJSON_IsObject(view)) {
        add("device", ItemState::fail, "the device's view could not be read (hub device API)");
    } else {
        const bool online = cJSON_IsTrue(member(view, "online"));
        std::string kind = text(view, "kind");
        add("online", online ? ItemState::pass : ItemState::fail,
            online ? (kind == "usp" ? "agent connected" : "informed GenieACS recently") : "device offline");

        // WAN: an IP interface with the internet role that is Up, and its address.
        std::string wan_addr = text(member(view, "ip"), "internet");
        std::string wan_name, wan_status;
        for (const cJSON* i = member(view, "interfaces") ? member(view, "interfaces")->child : nullptr; i;
             i = i->next) {
            if (text(i, "type") == "ip" && text(i, "role") == "internet" &&
                (wan_name.empty() || text(i, "status") == "Up")) {
                wan_name = text(i, "name");
                wan_status = text(i, "status");
            }
        }
        if (wan_addr.empty())
            add("wan", ItemState::fail,
                wan_name.empty() ? "no internet interface reported" : "WAN " + wan_name + " has no address");
        else if (wan_status == "Up")
            add("wan", ItemState::pass, "WAN " + wan_name + " up, address " + wan_addr);
        else if (wan_status.empty())
            add("wan", ItemState::warn,
                "WAN " + (wan_name.empty() ? std::string("address") : wan_name) + " " + wan_addr +
                    ", its status is not reported by the device");
        else
            add("wan", ItemState::fail,
                "WAN " + wan_name + " is " + wan_status + " (address " + wan_addr + ")");

        out.items.push_back(grade_dns(diag.dns));

        const cJSON* opt = member(view, "opticalStatus");
        const cJSON* rx = member(opt, "rxDbm");
        std::string grade = text(opt, "grade");
        std::string level = cJSON_IsNumber(rx) ? num(rx->valuedouble, 1) + " dBm" : "no level";
        if (grade == "good")
            add("optical", ItemState::pass, "receive level " + level + " (good)");
        else if (grade == "warning")
            add("optical", ItemState::warn,
                "receive level " + level + " (low: clean or check the connectors)");
        else if (grade == "critical" || grade == "too_high")
            add("optical", ItemState::fail,
                "receive level " + level + " (" + (grade == "too_high" ? "too strong" : "too weak") + ")");
        else
            add("optical", ItemState::warn, "no optical level reported by this device");

        const cJSON* mesh = member(view, "mesh");
        int nodes = 0;
        for (const cJSON* n = mesh ? mesh->child : nullptr; n; n = n->next) {
            ++nodes;
            std::string name = text(n, "name");
            if (name.empty()) name = text(n, "mac");
            const cJSON* clients = member(n, "clients");
            std::string cl = cJSON_IsNumber(clients)
                                 ? std::to_string(static_cast<long>(clients->valuedouble)) + " clients"
                                 : "clients unknown";
            std::string role = text(n, "role");
            const cJSON* bh = member(n, "backhaul");
            std::string type = text(bh, "type");
            const cJSON* sig = member(bh, "signalDbm");
            if (role == "controller") {
                add("mesh:" + name, ItemState::pass, "controller, " + cl);
            } else if (type == "Ethernet" || type == "wired" || type == "MoCA") {
                add("mesh:" + name, ItemState::pass, "wired backhaul, " + cl);
            } else if (cJSON_IsNumber(sig)) {
                std::string g = signal_grade(sig->valuedouble);
                add("mesh:" + name, g == "weak" ? ItemState::warn : ItemState::pass,
                    "Wi-Fi backhaul " + num(sig->valuedouble, 0) + " dBm (" + g + "), " + cl);
            } else {
                add("mesh:" + name, ItemState::warn, "backhaul level not reported, " + cl);
            }
        }
        if (nodes == 0) add("mesh", ItemState::pass, "no mesh nodes reported (single unit)");
    }
    out.items.push_back(grade_speed(diag.speed, diag.pass_mbps, diag.warn_mbps));

    bool fail = false, warn = false;
    for (const auto& i : out.items) {
        fail = fail || i.state == ItemState::fail;
        warn = warn || i.state == ItemState::warn;
    }
    out.verdict = fail ? "fail" : warn ? "pass_with_warnings" : "pass";
    return out;
}

std::string install_check_json(const InstallCheck& c) {
    auto o = json::make_object();
    json::add_string(o.get(), "verdict", c.verdict);
    auto items = json::make_array();
    for (const auto& i : c.items) {
        auto e = json::make_object();
        json::add_string(e.get(), "key", i.key);
        json::add_string(e.get(), "state", item_state_name(i.state));
        json::add_string(e.get(), "reason", i.reason);
        json::append(items.get(), std::move(e));
    }
    json::add(o.get(), "items", std::move(items));
    return json::print(o.get());
}

}  // namespace cpe::hub::qr
