#include "safety.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "json/json.hpp"

namespace cpe::tplink {

const char* login_failure_name(LoginFailure f) {
    switch (f) {
        case LoginFailure::bad_credentials: return "bad-credentials";
        case LoginFailure::locked: return "locked-out";
        case LoginFailure::bad_request: return "bad-request";
        case LoginFailure::no_answer: return "no-answer";
    }
    return "unknown";
}

LoginGuard::Decision LoginGuard::check(const std::string& modem, int64_t now) const {
    Decision d;
    auto it = records_.find(modem);
    if (it == records_.end() || now >= it->second.blocked_until) return d;
    d.allowed = false;
    d.retry_at = it->second.blocked_until;
    d.reason = std::string(it->second.locked ? "locked out by the modem" : "backing off after a failed login") + " (" +
               it->second.last_failure + ", " + std::to_string(it->second.failures) +
               " in a row); next attempt in " + std::to_string(it->second.blocked_until - now) + " s";
    return d;
}

void LoginGuard::on_success(const std::string& modem, const std::string& variant) {
    GuardRecord& r = records_[modem];
    r.failures = 0;
    r.blocked_until = 0;
    r.locked = false;
    r.last_failure.clear();
    if (!variant.empty()) r.variant = variant;
}

const GuardRecord& LoginGuard::on_failure(const std::string& modem, int64_t now, LoginFailure kind,
                                          std::optional<int64_t> forbid_s) {
    GuardRecord& r = records_[modem];
    if (r.failures < 1000) ++r.failures;
    int64_t wait = policy_.base_backoff_s;
    for (uint32_t i = 1; i < r.failures && wait < policy_.max_backoff_s; ++i) wait *= 2;
    if (wait > policy_.max_backoff_s) wait = policy_.max_backoff_s;
    r.locked = kind == LoginFailure::locked;
    if (r.locked && forbid_s && *forbid_s > 0) {
        int64_t forbid = *forbid_s + policy_.lockout_margin_s;
        if (forbid > wait) wait = forbid;
    }
    r.blocked_until = now + wait;
    r.last_failure = login_failure_name(kind);
    return r;
}

const GuardRecord* LoginGuard::find(const std::string& modem) const {
    auto it = records_.find(modem);
    return it == records_.end() ? nullptr : &it->second;
}

std::string LoginGuard::serialize() const {
    auto root = json::make_object();
    json::add_number(root.get(), "version", 1);
    auto modems = json::make_object();
    for (const auto& [id, r] : records_) {
        auto o = json::make_object();
        json::add_number(o.get(), "failures", r.failures);
        json::add_number(o.get(), "blockedUntil", static_cast<double>(r.blocked_until));
        json::add_bool(o.get(), "locked", r.locked);
        json::add_string(o.get(), "lastFailure", r.last_failure);
        json::add_string(o.get(), "variant", r.variant);
        json::add(modems.get(), id.c_str(), std::move(o));
    }
    json::add(root.get(), "modems", std::move(modems));
    return json::print(root.get(), true) + "\n";
}

Result<LoginGuard> LoginGuard::parse(std::string_view text, GuardPolicy policy, std::string_view what) {
    auto doc = json::parse(text, what);
    if (!doc) return doc.error();
    LoginGuard g(policy);
    const cJSON* modems = cJSON_GetObjectItemCaseSensitive(doc->get(), "modems");
    if (!cJSON_IsObject(modems)) return make_error(Errc::parse_error, std::string(what) + ": no \"modems\" object");
    for (const cJSON* m = modems->child; m != nullptr; m = m->next) {
        std::string where = std::string(what) + ": modems." + m->string;
        auto failures = json::get_int(m, "failures", where);
        if (!failures) return failures.error();
        auto until = json::get_int(m, "blockedUntil", where);
        if (!until) return until.error();
        if (*failures < 0) return make_error(Errc::parse_error, where + ".failures is negative");
        GuardRecord r;
        r.failures = static_cast<uint32_t>(*failures > 1000 ? 1000 : *failures);
        r.blocked_until = *until;
        r.locked = json::opt_bool(m, "locked").value_or(false);
        r.last_failure = json::opt_string(m, "lastFailure").value_or("");
        r.variant = json::opt_string(m, "variant").value_or("");
        g.records_[m->string] = std::move(r);
    }
    return g;
}

Result<LoginGuard> LoginGuard::load(const std::string& path, GuardPolicy policy) {
    FILE* f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) {
        if (errno == ENOENT) return LoginGuard(policy);
        return make_error(Errc::io_error, path + ": " + std::strerror(errno));
    }
    std::string text;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0 && text.size() < (4u << 20)) text.append(buf, n);
    std::fclose(f);
    if (text.empty()) return LoginGuard(policy);
    return parse(text, policy, path);
}

Status LoginGuard::save(const std::string& path) const {
    std::string tmp = path + ".tmp";
    FILE* f = std::fopen(tmp.c_str(), "wb");
    if (f == nullptr) return make_error(Errc::io_error, tmp + ": " + std::strerror(errno));
    std::string text = serialize();
    bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
    ok = (std::fflush(f) == 0) && ok;
    ok = (std::fclose(f) == 0) && ok;
    if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
        std::remove(tmp.c_str());
        return make_error(Errc::io_error, path + ": could not write the login back-off state");
    }
    return {};
}

}  // namespace cpe::tplink
