#include "safety.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "json/json.hpp"

namespace cpe::tplink {

const char* login_failure_name(LoginFailure f) {
    switch (f) {
        case LoginFailure::bad_credentials:
            return "bad-credentials";
        case LoginFailure::locked:
            return "locked-out";
        case LoginFailure::bad_request:
            return "bad-request";
        case LoginFailure::no_answer:
            return "no-answer";
    }
    return "unknown";
}

GuardRecord LoginGuard::effective(const std::string& modem) const {
    auto it = records_.find(modem);
    if (it != records_.end()) return it->second;
    GuardRecord r;
    if (state_lost_at_ != 0) {
        // The state file was lost: assume the worst we would have let happen — stopped at the reserve margin.
        r.stopped = true;
        r.attempts_used = policy_.modem_max_attempts - policy_.reserve_attempts;
        r.blocked_until = state_lost_at_ + policy_.stop_window_s;
        r.last_failure = "state-file-lost";
    }
    return r;
}

LoginGuard::Decision LoginGuard::check(const std::string& modem, int64_t now) const {
    Decision d;
    const GuardRecord r = effective(modem);
    const int64_t remaining = attempts_remaining(r);
    std::string counts = " (" + r.last_failure + ", " + std::to_string(r.failures) + " in a row, " +
                         std::to_string(remaining < 0 ? 0 : remaining) +
                         " attempt(s) left before the modem locks)";
    if (r.stopped && remaining <= 1) {
        // One more failure could lock the modem for good (some never reset): time alone never resumes.
        d.allowed = false;
        d.needs_operator = true;
        d.reason = std::string("stopped logging in") + counts +
                   "; an operator must check the password and clear the login guard";
        return d;
    }
    if (now >= r.blocked_until) return d;
    d.allowed = false;
    d.retry_at = r.blocked_until;
    const char* what = r.locked    ? "locked out by the modem"
                       : r.stopped ? "stopped logging in at the reserve margin"
                                   : "backing off after a failed login";
    d.reason = std::string(what) + counts + "; next attempt in " + std::to_string(r.blocked_until - now) +
               " s, or earlier if an operator clears the login guard";
    return d;
}

void LoginGuard::on_success(const std::string& modem, const std::string& variant) {
    GuardRecord& r = records_[modem];
    std::string keep = r.variant;
    r = GuardRecord{};
    r.variant = variant.empty() ? keep : variant;
}

void LoginGuard::clear(const std::string& modem) {
    on_success(modem, "");
}

const GuardRecord& LoginGuard::on_failure(const std::string& modem, int64_t now, LoginFailure kind,
                                          std::optional<int64_t> forbid_s,
                                          std::optional<int64_t> auth_times) {
    if (records_.find(modem) == records_.end()) records_[modem] = effective(modem);
    GuardRecord& r = records_[modem];
    if (r.failures < 1000) ++r.failures;
    int64_t wait = policy_.base_backoff_s;
    for (uint32_t i = 1; i < r.failures && wait < policy_.max_backoff_s; ++i) wait *= 2;
    if (wait > policy_.max_backoff_s) wait = policy_.max_backoff_s;
    // The modem's own count when it gives one (currAuthTimes); ours otherwise.
    if (auth_times && *auth_times >= 0 && *auth_times <= 1000)
        r.attempts_used = *auth_times;
    else if (r.attempts_used < 1000)
        ++r.attempts_used;
    r.locked = kind == LoginFailure::locked;
    if (r.locked) {
        if (forbid_s && *forbid_s > 0) {
            wait = std::max(wait, *forbid_s + policy_.lockout_margin_s);
            // Assumption (MR family): the modem's count starts again once its forbid time is over.
            r.attempts_used = 0;
        } else {
            r.attempts_used =
                policy_.modem_max_attempts;  // locked for an unknown time: only an operator resumes
        }
    }
    r.stopped = r.locked || attempts_remaining(r) <= policy_.reserve_attempts;
    if (r.stopped && !r.locked) wait = std::max(wait, policy_.stop_window_s);
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
    json::add_number(root.get(), "version", 2);
    if (state_lost_at_ != 0) json::add_number(root.get(), "stateLostAt", static_cast<double>(state_lost_at_));
    auto modems = json::make_object();
    for (const auto& [id, r] : records_) {
        auto o = json::make_object();
        json::add_number(o.get(), "failures", r.failures);
        json::add_number(o.get(), "blockedUntil", static_cast<double>(r.blocked_until));
        json::add_bool(o.get(), "locked", r.locked);
        json::add_bool(o.get(), "stopped", r.stopped);
        json::add_number(o.get(), "attemptsUsed", static_cast<double>(r.attempts_used));
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
    if (!cJSON_IsObject(doc->get()))
        return make_error(Errc::parse_error, std::string(what) + ": not a JSON object");
    g.state_lost_at_ = json::opt_int(doc->get(), "stateLostAt").value_or(0);
    const cJSON* modems = cJSON_GetObjectItemCaseSensitive(doc->get(), "modems");
    if (!cJSON_IsObject(modems))
        return make_error(Errc::parse_error, std::string(what) + ": no \"modems\" object");
    for (const cJSON* m = modems->child; m != nullptr; m = m->next) {
        std::string where = std::string(what) + ": modems." + m->string;
        if (!cJSON_IsObject(m)) return make_error(Errc::parse_error, where + " is not an object");
        auto failures = json::get_int(m, "failures", where);
        if (!failures) return failures.error();
        auto until = json::get_int(m, "blockedUntil", where);
        if (!until) return until.error();
        if (*failures < 0) return make_error(Errc::parse_error, where + ".failures is negative");
        GuardRecord r;
        r.failures = static_cast<uint32_t>(*failures > 1000 ? 1000 : *failures);
        r.blocked_until = *until;
        r.locked = json::opt_bool(m, "locked").value_or(false);
        r.stopped = json::opt_bool(m, "stopped").value_or(false);
        // Version-1 files have no count: take the consecutive failures (the count we would have kept).
        r.attempts_used = std::clamp<int64_t>(json::opt_int(m, "attemptsUsed").value_or(r.failures), 0, 1000);
        r.last_failure = json::opt_string(m, "lastFailure").value_or("");
        r.variant = json::opt_string(m, "variant").value_or("");
        g.records_[m->string] = std::move(r);
    }
    return g;
}

Result<LoginGuard> LoginGuard::load(const std::string& path, GuardPolicy policy, int64_t now,
                                    std::string* warning) {
    FILE* f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) {
        if (errno == ENOENT) return LoginGuard(policy);
        return make_error(Errc::io_error, path + ": " + std::strerror(errno));
    }
    std::string text;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0 && text.size() < (4u << 20)) text.append(buf, n);
    bool read_error = std::ferror(f) != 0;
    std::fclose(f);
    if (read_error) return make_error(Errc::io_error, path + ": read error");
    std::string problem;
    if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
        problem = path + " is empty";
    } else {
        auto parsed = parse(text, policy, path);
        if (parsed) return parsed;
        problem = parsed.error().message;
    }
    // An empty or corrupt file (a crash mid-write on a file system without our fsync, a hand edit) must not
    // reset the back-off: every modem without a record counts as stopped at the reserve margin from now.
    LoginGuard g(policy);
    g.state_lost_at_ = now;
    if (warning)
        *warning = problem +
                   "; treating every modem as stopped at the reserve margin until an operator "
                   "clears it or the stop window passes";
    return g;
}

Status LoginGuard::save(const std::string& path) const {
    std::string tmp = path + ".tmp";
    auto fail = [&](const char* step) -> Status {
        Error e = make_error(Errc::io_error, path + ": could not " + step +
                                                 " the login back-off state: " + std::strerror(errno));
        ::unlink(tmp.c_str());
        return e;
    };
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return fail("create");
    std::string text = serialize();
    bool ok = ::fchmod(fd, 0600) == 0;  // also when the temp file was left over with other bits
    for (size_t off = 0; ok && off < text.size();) {
        ssize_t w = ::write(fd, text.data() + off, text.size() - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0)
            ok = false;
        else
            off += static_cast<size_t>(w);
    }
    ok = ok && ::fsync(fd) == 0;
    if (::close(fd) != 0) ok = false;
    if (!ok) return fail("write");
    if (::rename(tmp.c_str(), path.c_str()) != 0) return fail("rename");
    // The rename itself is durable only once the directory is synced.
    std::string dir = path.find('/') == std::string::npos ? "." : path.substr(0, path.rfind('/'));
    if (dir.empty()) dir = "/";
    int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) return make_error(Errc::io_error, dir + ": could not open to sync the login back-off state");
    bool synced = ::fsync(dfd) == 0;
    ::close(dfd);
    if (!synced) return make_error(Errc::io_error, dir + ": could not sync the login back-off state");
    return {};
}

}  // namespace cpe::tplink
