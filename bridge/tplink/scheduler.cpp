#include "scheduler.hpp"

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
            return static_cast<int64_t>(
                std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
        };
    if (options.policy.base_backoff_s <= 0 || options.policy.max_backoff_s < options.policy.base_backoff_s)
        return make_error(Errc::invalid_argument, "back-off policy: need 0 < base <= max");
    LoginGuard guard(options.policy);
    if (!options.state_file.empty()) {
        auto loaded = LoginGuard::load(options.state_file, options.policy);
        if (!loaded) return loaded.error().with_context("login back-off state");
        guard = std::move(*loaded);
    }
    return std::unique_ptr<ModemScheduler>(new ModemScheduler(std::move(options), std::move(guard)));
}

GuardRecord ModemScheduler::guard_record(const std::string& modem_id) const {
    std::lock_guard lock(mu_);
    const GuardRecord* r = guard_.find(modem_id);
    return r ? *r : GuardRecord{};
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
            return make_error(Errc::too_large, "modem " + id + ": " + std::to_string(options_.max_queue_per_modem) +
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

std::optional<LoginFailure> ModemScheduler::note_login(const std::string& id, const TplinkSession& s, bool ok) {
    std::lock_guard lock(mu_);
    std::optional<LoginFailure> kind;
    if (ok) {
        guard_.on_success(id, variant_name(s.variant()));
    } else {
        kind = s.login_failure();
        if (!kind) return kind;  // nothing reached the modem: not a failed login
        const GuardRecord& r = guard_.on_failure(id, options_.clock(), *kind, s.forbid_seconds());
        LOG_WARN(kTag, "modem %s: login failed (%s, %u in a row); no new attempt for %lld s", id.c_str(),
                 login_failure_name(*kind), r.failures, static_cast<long long>(r.blocked_until - options_.clock()));
    }
    if (!options_.state_file.empty()) {
        if (auto st = guard_.save(options_.state_file); !st)
            LOG_LIMITED(log::Level::error, 3, 60, kTag, "%s", st.error().message.c_str());
    }
    return kind;
}

Result<Snapshot> ModemScheduler::poll_locked(const ModemConfig& modem, const std::string& id, PollReport& rep) {
    std::vector<Variant> candidates;
    {
        std::lock_guard lock(mu_);
        auto decision = guard_.check(id, options_.clock());
        if (!decision.allowed) {
            rep.held_back = true;
            const GuardRecord* r = guard_.find(id);
            rep.lockout = r && r->locked;
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
        // The remembered variant no longer works (firmware upgrade?): detect afresh, still one attempt sequence.
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
        // Someone logged into the web UI (one admin session at a time, tplink-web-api.md Pitfalls): log in once more.
        LOG_WARN(kTag, "modem %s: session taken over during reads (web-UI login?); logging in once more", id.c_str());
        rep.taken_over = true;
        Status again = session->login({session->variant()});
        note_login(id, *session, again.ok());
        if (!again) return again.error().with_context("re-login after takeover");
        snap = session->read_all();
        if (!snap && session->session_lost())
            return make_error(Errc::unavailable, "modem " + id +
                                                     ": session taken over twice; someone is using the web UI, giving up");
    }
    if (auto out = session->logout(); !out) LOG_INFO(kTag, "modem %s: %s", id.c_str(), out.error().message.c_str());
    if (!snap) return snap.error();
    snap->session_taken_over = rep.taken_over;
    return snap;
}

}  // namespace cpe::tplink
