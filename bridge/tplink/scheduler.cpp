#include "scheduler.hpp"

#include <algorithm>
#include <chrono>

#include "log/log.hpp"

namespace cpe::tplink {

namespace {
constexpr const char* kTag = "tplink";
}

ModemScheduler::ModemScheduler(SchedulerOptions options, LoginGuard guard)
    : options_(std::move(options)), guard_(std::move(guard)) {}

Result<std::unique_ptr<ModemScheduler>> ModemScheduler::create(SchedulerOptions options) {
    if (!options.clock)
        options.clock = [] {
            return static_cast<int64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                            std::chrono::system_clock::now().time_since_epoch())
                                            .count());
        };
    if (options.policy.base_backoff_s <= 0 || options.policy.max_backoff_s < options.policy.base_backoff_s)
        return make_error(Errc::invalid_argument, "back-off policy: need 0 < base <= max");
    if (options.policy.modem_max_attempts < 1 || options.policy.reserve_attempts < 0 ||
        options.policy.reserve_attempts >= options.policy.modem_max_attempts)
        return make_error(Errc::invalid_argument,
                          "login guard: need 1 <= modem_max_attempts and "
                          "0 <= reserve_attempts < modem_max_attempts");
    if (options.policy.stop_window_s < 0)
        return make_error(Errc::invalid_argument, "login guard: stop_window_s < 0");
    LoginGuard guard(options.policy);
    std::optional<FileId> id;
    if (!options.state_file.empty()) {
        std::string warning;
        auto loaded = LoginGuard::load(options.state_file, options.policy, options.clock(), &warning);
        if (!loaded) return loaded.error().with_context("login back-off state");
        if (!warning.empty()) LOG_ERROR(kTag, "login back-off state: %s", warning.c_str());
        guard = std::move(*loaded);
        id = file_id(options.state_file);
    }
    auto sched = std::unique_ptr<ModemScheduler>(new ModemScheduler(std::move(options), std::move(guard)));
    sched->state_id_ = id;
    return sched;
}

std::optional<ModemScheduler::FileId> ModemScheduler::file_id(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return std::nullopt;
    FileId f;
    f.dev = st.st_dev;
    f.ino = st.st_ino;
    f.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
    f.size = st.st_size;
    return f;
}

void ModemScheduler::reload_if_changed_locked() {
    if (options_.state_file.empty()) return;
    auto now_id = file_id(options_.state_file);
    // A file that disappeared is not an operator's clear: keep what we know (and write it again on the next
    // save).
    if (!now_id || now_id == state_id_) return;
    std::string warning;
    auto loaded = LoginGuard::load(options_.state_file, options_.policy, options_.clock(), &warning);
    if (!loaded) {
        LOG_LIMITED(log::Level::error, 3, 60, kTag, "login back-off state: %s",
                    loaded.error().message.c_str());
        return;
    }
    if (!warning.empty()) LOG_ERROR(kTag, "login back-off state: %s", warning.c_str());
    LOG_INFO(kTag, "login back-off state: %s changed on disk; reloaded", options_.state_file.c_str());
    guard_ = std::move(*loaded);
    state_id_ = now_id;
}

void ModemScheduler::save_locked() {
    if (options_.state_file.empty()) return;
    if (auto st = guard_.save(options_.state_file); !st) {
        LOG_LIMITED(log::Level::error, 3, 60, kTag, "%s", st.error().message.c_str());
        return;
    }
    state_id_ = file_id(options_.state_file);
}

LoginGuard::Decision ModemScheduler::guard_check(const std::string& modem_id) const {
    std::lock_guard lock(mu_);
    return guard_.check(modem_id, options_.clock());
}

Status ModemScheduler::clear_guard(const std::string& modem_id) {
    std::lock_guard lock(mu_);
    reload_if_changed_locked();
    guard_.clear(modem_id);
    LOG_WARN(kTag, "modem %s: login guard cleared by an operator", modem_id.c_str());
    if (options_.state_file.empty()) return {};
    if (auto st = guard_.save(options_.state_file); !st) return st;
    state_id_ = file_id(options_.state_file);
    return {};
}

GuardRecord ModemScheduler::guard_record(const std::string& modem_id) const {
    std::lock_guard lock(mu_);
    return guard_.effective(modem_id);
}

Result<Snapshot> ModemScheduler::poll(const ModemConfig& modem, PollReport* report) {
    PollReport local;
    PollReport& rep = report ? *report : local;
    rep = PollReport{};
    const std::string id = modem.id.empty() ? modem.host : modem.id;
    std::shared_ptr<Queue> q;
    {
        std::lock_guard lock(mu_);
        auto& slot = queues_[id];
        if (!slot) slot = std::make_shared<Queue>();
        q = slot;
    }
    uint64_t ticket;
    {
        std::unique_lock lock(q->m);
        if (q->next_ticket - q->serving >= options_.max_queue_per_modem)
            return make_error(Errc::too_large, "modem " + id + ": " +
                                                   std::to_string(options_.max_queue_per_modem) +
                                                   " sessions already queued");
        ticket = q->next_ticket++;
        q->cv.wait(lock, [&] { return q->serving == ticket; });
    }
    auto result = poll_locked(modem, id, rep);
    {
        std::lock_guard lock(q->m);
        ++q->serving;
    }
    q->cv.notify_all();
    return result;
}

std::optional<LoginFailure> ModemScheduler::note_login(const std::string& id, const TplinkSession& s,
                                                       bool ok) {
    std::lock_guard lock(mu_);
    std::optional<LoginFailure> kind;
    if (ok) {
        guard_.on_success(id, variant_name(s.variant()));
    } else {
        kind = s.login_failure();
        if (!kind) return kind;  // nothing reached the modem: not a failed login
        const GuardRecord& r =
            guard_.on_failure(id, options_.clock(), *kind, s.forbid_seconds(), s.auth_times());
        if (r.stopped)
            LOG_ERROR(
                kTag,
                "modem %s: login failed (%s, %u in a row, %lld attempt(s) left before the modem locks); "
                "STOPPED logging in: %s",
                id.c_str(), login_failure_name(*kind), r.failures,
                static_cast<long long>(std::max<int64_t>(0, guard_.attempts_remaining(r))),
                guard_.check(id, options_.clock()).reason.c_str());
        else
            LOG_WARN(kTag, "modem %s: login failed (%s, %u in a row); no new attempt for %lld s", id.c_str(),
                     login_failure_name(*kind), r.failures,
                     static_cast<long long>(r.blocked_until - options_.clock()));
    }
    save_locked();
    return kind;
}

Result<Snapshot> ModemScheduler::poll_locked(const ModemConfig& modem, const std::string& id,
                                             PollReport& rep) {
    std::vector<Variant> candidates;
    {
        std::lock_guard lock(mu_);
        reload_if_changed_locked();
        auto decision = guard_.check(id, options_.clock());
        if (!decision.allowed) {
            rep.held_back = true;
            const GuardRecord r = guard_.effective(id);
            rep.lockout = r.locked;
            rep.stopped = r.stopped;
            rep.needs_operator = decision.needs_operator;
            return make_error(Errc::unavailable, "modem " + id + ": login held back: " + decision.reason);
        }
        if (modem.variant) {
            candidates.push_back(*modem.variant);
        } else if (const GuardRecord* r = guard_.find(id); r && !r->variant.empty()) {
            if (auto v = parse_variant(r->variant)) candidates.push_back(*v);
        }
    }
    auto session = TplinkSession::open(modem);
    if (!session) return session.error();
    Status st = session->login(candidates);
    if (!st && candidates.size() == 1 && !modem.variant && session->sign_unread()) {
        // The remembered variant no longer works (firmware upgrade?): detect afresh, still one attempt
        // sequence.
        LOG_INFO(kTag, "modem %s: remembered variant not answered; detecting", id.c_str());
        st = session->login({});
    }
    auto kind = note_login(id, *session, st.ok());
    if (!st) {
        rep.lockout = kind == LoginFailure::locked;
        return st.error();
    }
    rep.variant = variant_name(session->variant());
    auto snap = session->read_all();
    if (!snap && session->session_lost()) {
        // Someone logged into the web UI (one admin session at a time, tplink-web-api.md Pitfalls): log in
        // once more.
        LOG_WARN(kTag, "modem %s: session taken over during reads (web-UI login?); logging in once more",
                 id.c_str());
        rep.taken_over = true;
        Status again = session->login({session->variant()});
        note_login(id, *session, again.ok());
        if (!again) return again.error().with_context("re-login after takeover");
        snap = session->read_all();
        if (!snap && session->session_lost())
            return make_error(
                Errc::unavailable,
                "modem " + id + ": session taken over twice; someone is using the web UI, giving up");
    }
    if (auto out = session->logout(); !out)
        LOG_INFO(kTag, "modem %s: %s", id.c_str(), out.error().message.c_str());
    if (!snap) return snap.error();
    snap->session_taken_over = rep.taken_over;
    return snap;
}

}  // namespace cpe::tplink
