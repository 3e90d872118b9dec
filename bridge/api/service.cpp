#include "service.hpp"

#include <algorithm>
#include <ctime>
#include <filesystem>

#include "json/json.hpp"
#include "log/log.hpp"
#include "pon_format.hpp"

namespace cpe::bridge::api {

namespace {

constexpr const char* kTag = "bridge";

int64_t epoch_now() {
    return static_cast<int64_t>(std::time(nullptr));
}

int64_t age_s(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - t).count();
}

net::Response json_response(int status, const cJSON* doc) {
    net::Response r = net::Response::json(status, json::print(doc));
    r.headers.push_back({"Cache-Control", "no-store"});
    return r;
}

net::Response error_response(int status, const std::string& message, int64_t retry_after_s = 0) {
    auto doc = json::make_object();
    json::add_string(doc.get(), "error", message);
    json::add_number(doc.get(), "status", status);
    if (retry_after_s > 0) json::add_number(doc.get(), "retryAfterS", static_cast<double>(retry_after_s));
    net::Response r = json_response(status, doc.get());
    if (retry_after_s > 0) r.headers.push_back({"Retry-After", std::to_string(retry_after_s)});
    return r;
}

int status_for(const Error& e) {
    switch (e.code) {
        case Errc::timeout:
            return 504;
        case Errc::too_large:
            return 503;  // the scheduler's per-modem queue is full
        default:
            return 502;
    }
}

std::string pon_key(const std::string& olt, int slot, int port) {
    return olt + "/" + std::to_string(slot) + "/" + std::to_string(port);
}

json::Ptr outcome_json(const auto& last) {
    auto o = json::make_object();
    if (!last.done) return o;
    json::add_bool(o.get(), "ok", last.ok);
    json::add_number(o.get(), "at", static_cast<double>(last.at));
    json::add_number(o.get(), "ageS", static_cast<double>(age_s(last.at_mono)));
    if (!last.ok) {
        json::add_number(o.get(), "status", last.status);
        json::add_string(o.get(), "error", last.error);
    }
    return o;
}

}  // namespace

Result<std::unique_ptr<BridgeService>> BridgeService::create(const BridgeConfig& config) {
    std::error_code ec;
    const bool created = std::filesystem::create_directories(config.state_dir, ec);
    if (ec)
        return make_error(Errc::io_error,
                          "state_dir " + config.state_dir + ": cannot create: " + ec.message());
    // Owner only: a directory made here 0700 (an existing one is the operator's choice), the state file 0600.
    if (created) std::filesystem::permissions(config.state_dir, std::filesystem::perms::owner_all, ec);
    const auto state_file = std::filesystem::path(config.state_dir) / "tplink-state.json";
    if (std::filesystem::exists(state_file, ec))
        std::filesystem::permissions(
            state_file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write, ec);
    tplink::SchedulerOptions so;
    so.policy.base_backoff_s = config.backoff_base_s;
    so.policy.max_backoff_s = config.backoff_max_s;
    so.policy.modem_max_attempts = config.modem_max_attempts;
    so.policy.reserve_attempts = config.reserve_attempts;
    so.policy.stop_window_s = config.stop_window_s;
    so.state_file = (std::filesystem::path(config.state_dir) / "tplink-state.json").string();
    auto sched = tplink::ModemScheduler::create(so);
    if (!sched) return sched.error().with_context("state_dir");
    std::unique_ptr<BridgeService> s(new BridgeService(config, std::move(*sched)));
    for (size_t i = 0; i < config.modems.size(); ++i) {
        const ModemEntry& e = config.modems[i];
        auto creds = tplink::load_secret_file(e.secret_file);
        if (!creds) return creds.error().with_context("modems[" + std::to_string(i) + "].secret_file");
        ModemState st;
        st.entry = e;
        st.config.id = e.id;
        st.config.host = e.host;
        st.config.credentials = std::move(*creds);
        st.config.variant = e.variant;
        st.config.timeouts.connect_ms = config.timeouts.modem_connect_ms;
        st.config.timeouts.total_ms = config.timeouts.modem_total_ms;
        s->modems_.emplace(e.id, std::move(st));
    }
    for (size_t i = 0; i < config.olts.size(); ++i) {
        const OltEntry& e = config.olts[i];
        bool v3 = !e.v3_file.empty();
        auto creds = v3 ? olt::load_v3_file(e.v3_file) : olt::load_community_file(e.community_file);
        if (!creds)
            return creds.error().with_context("olts[" + std::to_string(i) +
                                              (v3 ? "].v3_file" : "].community_file"));
        OltState st;
        st.entry = e;
        st.target.host = e.host;
        st.target.port = e.port;
        st.target.credentials = std::move(*creds);
        st.target.timeout = std::chrono::milliseconds(config.timeouts.olt_request_ms);
        st.target.retries = config.timeouts.olt_retries;
        for (const PonRef& p : e.pons) {
            PonState ps;
            ps.olt = e.id;
            ps.ref = p;
            s->pons_.emplace(pon_key(e.id, p.slot, p.port), std::move(ps));
        }
        s->olts_.emplace(e.id, std::move(st));
    }
    return s;
}

BridgeService::BridgeService(const BridgeConfig& config, std::unique_ptr<tplink::ModemScheduler> sched)
    : config_(config),
      sched_(std::move(sched)),
      pool_(std::make_unique<WorkerPool>(static_cast<size_t>(config.workers), config.max_queue)) {}

BridgeService::~BridgeService() {
    stop();
}

void BridgeService::stop() {
    if (pool_) pool_->stop();
}

// ------------------------------------------------------------------------------------------------ modems

net::Response BridgeService::render(const ModemState& m, ModemPart part, bool from_cache) const {
    auto doc = tplink::to_json(*m.snap);
    json::Ptr out;
    switch (part) {
        case ModemPart::hosts:
            out.reset(cJSON_DetachItemFromObjectCaseSensitive(doc.get(), "hosts"));
            break;
        case ModemPart::optical:
            out.reset(cJSON_DetachItemFromObjectCaseSensitive(doc.get(), "optical"));
            break;
        case ModemPart::wifi:
            out = json::make_object();
            json::add(out.get(), "radios",
                      json::Ptr(cJSON_DetachItemFromObjectCaseSensitive(doc.get(), "wifi")));
            break;
        case ModemPart::mesh:
            out.reset(cJSON_DetachItemFromObjectCaseSensitive(doc.get(), "mesh"));
            break;
        case ModemPart::status:
            cJSON_DeleteItemFromObjectCaseSensitive(doc.get(), "hosts");
            cJSON_DeleteItemFromObjectCaseSensitive(doc.get(), "mesh");
            cJSON_DeleteItemFromObjectCaseSensitive(doc.get(), "wifi");
            cJSON_DeleteItemFromObjectCaseSensitive(doc.get(), "optical");
            cJSON_AddItemToObject(doc.get(), "hostCount",
                                  cJSON_CreateNumber(static_cast<double>(m.snap->hosts.size())));
            out = std::move(doc);
            break;
    }
    if (!out) out = json::make_object();
    net::Response r = json_response(200, out.get());
    r.headers.push_back({"Age", std::to_string(age_s(m.snap_at))});
    r.headers.push_back({"X-Cache", from_cache ? "hit" : "miss"});
    return r;
}

void BridgeService::modem(const std::string& id, ModemPart part, bool refresh, Reply reply) {
    std::unique_lock lock(mu_);
    auto it = modems_.find(id);
    if (it == modems_.end()) {
        lock.unlock();
        return reply(error_response(404, "unknown modem '" + id + "'"));
    }
    ModemState& m = it->second;
    if (m.snap && !refresh && age_s(m.snap_at) <= config_.cache_max_age_s) {
        net::Response r = render(m, part, true);
        lock.unlock();
        return reply(std::move(r));
    }
    m.waiters.emplace_back(part, std::move(reply));
    if (m.in_flight) return;  // joins the read under way: one session serves every caller
    m.in_flight = true;
    if (!pool_->submit([this, id] { run_modem(id); })) {
        m.in_flight = false;
        auto waiters = std::move(m.waiters);
        m.waiters.clear();
        lock.unlock();
        for (auto& [p, r] : waiters) r(error_response(503, "bridge busy: too many reads queued", 1));
    }
}

void BridgeService::run_modem(const std::string& id) {
    tplink::ModemConfig cfg;
    {
        std::lock_guard lock(mu_);
        cfg = modems_.at(id).config;
    }
    tplink::PollReport rep;
    auto snap = sched_->poll(cfg, &rep);
    std::vector<std::pair<ModemPart, Reply>> waiters;
    std::vector<net::Response> answers;
    {
        std::lock_guard lock(mu_);
        ModemState& m = modems_.at(id);
        m.in_flight = false;
        m.report = rep;
        m.last.done = true;
        m.last.at = epoch_now();
        m.last.at_mono = std::chrono::steady_clock::now();
        ++m.last.reads;
        waiters = std::move(m.waiters);
        m.waiters.clear();
        if (snap) {
            m.snap = std::make_shared<const tplink::Snapshot>(std::move(*snap));
            m.snap_at = m.last.at_mono;
            m.last.ok = true;
            m.last.error.clear();
            for (auto& w : waiters) answers.push_back(render(m, w.first, false));
        } else {
            int64_t retry = 0;
            int status = status_for(snap.error());
            if (rep.held_back || rep.lockout) {
                status = 503;
                retry = std::max<int64_t>(1, sched_->guard_record(id).blocked_until - epoch_now());
                if (rep.needs_operator) retry = 3600;  // nothing changes until an operator clears the guard
            } else if (status == 503) {
                retry = 1;
            }
            std::string message = snap.error().message;
            if (message.rfind("modem " + id + ":", 0) != 0) message = "modem " + id + ": " + message;
            if (retry == 0) {  // a failed login just started a back-off: say when the next attempt may be
                int64_t until = sched_->guard_record(id).blocked_until - epoch_now();
                if (until > 0) retry = until;
            }
            m.last.ok = false;
            m.last.status = status;
            m.last.error = message;
            ++m.last.failures;
            if (!rep.held_back) LOG_LIMITED(log::Level::warn, 20, 60, kTag, "%d %s", status, message.c_str());
            net::Response r = error_response(status, message, retry);
            for (size_t i = 0; i < waiters.size(); ++i) answers.push_back(r);
        }
    }
    for (size_t i = 0; i < waiters.size(); ++i) waiters[i].second(std::move(answers[i]));
}

// ------------------------------------------------------------------------------------------------ OLTs

void BridgeService::pon(const std::string& olt_id, int slot, int port, bool refresh, Reply reply) {
    std::unique_lock lock(mu_);
    if (!olts_.count(olt_id)) {
        lock.unlock();
        return reply(error_response(404, "unknown OLT '" + olt_id + "'"));
    }
    const std::string key = pon_key(olt_id, slot, port);
    auto it = pons_.find(key);
    if (it == pons_.end()) {
        lock.unlock();
        return reply(error_response(404, "PON " + std::to_string(slot) + "/" + std::to_string(port) +
                                             " is not configured for OLT '" + olt_id + "'"));
    }
    PonState& p = it->second;
    if (p.table_json && !refresh && age_s(p.table_at) <= config_.cache_max_age_s) {
        net::Response r = net::Response::json(200, *p.table_json);
        r.headers = {
            {"Cache-Control", "no-store"}, {"Age", std::to_string(age_s(p.table_at))}, {"X-Cache", "hit"}};
        lock.unlock();
        return reply(std::move(r));
    }
    p.waiters.push_back(std::move(reply));
    if (p.in_flight) return;
    p.in_flight = true;
    if (!pool_->submit([this, key] { run_pon(key); })) {
        p.in_flight = false;
        auto waiters = std::move(p.waiters);
        p.waiters.clear();
        lock.unlock();
        for (auto& r : waiters) r(error_response(503, "bridge busy: too many reads queued", 1));
    }
}

void BridgeService::run_pon(const std::string& key) {
    olt::Target target;
    olt::PonQuery q;
    bool scheme_configured = false;
    {
        std::lock_guard lock(mu_);
        const PonState& p = pons_.at(key);
        const OltState& o = olts_.at(p.olt);
        target = o.target;
        q.slot = p.ref.slot;
        q.port = p.ref.port;
        if (o.entry.max_onu > 0) q.max_onu = o.entry.max_onu;
        q.scheme = o.entry.scheme ? o.entry.scheme : o.detected;  // probed once, then reused
        scheme_configured = o.entry.scheme.has_value();
    }
    olt::ReaderOptions ro;
    ro.deadline = std::chrono::milliseconds(config_.timeouts.olt_deadline_ms);
    auto table = olt::read_pon(target, q, ro);
    std::vector<Reply> waiters;
    net::Response answer;
    {
        std::lock_guard lock(mu_);
        PonState& p = pons_.at(key);
        p.in_flight = false;
        p.last.done = true;
        p.last.at = epoch_now();
        p.last.at_mono = std::chrono::steady_clock::now();
        ++p.last.reads;
        waiters = std::move(p.waiters);
        p.waiters.clear();
        if (table) {
            auto doc = olt::to_json(*table);
            json::add_string(doc.get(), "oltId", p.olt);
            if (!scheme_configured)  // probed by this read or an earlier one
                cJSON_ReplaceItemInObjectCaseSensitive(doc.get(), "index_scheme_source",
                                                       cJSON_CreateString("detected"));
            p.table_json = std::make_shared<const std::string>(json::print(doc.get()));
            p.table_at = p.last.at_mono;
            p.last.ok = true;
            p.last_complete = table->complete();
            if (table->scheme_detected) olts_.at(p.olt).detected = table->scheme;
            p.onus = table->onus.size();
            p.last.error = table->error ? table->error->message : "";
            answer = net::Response::json(200, *p.table_json);
            answer.headers = {{"Cache-Control", "no-store"}, {"Age", "0"}, {"X-Cache", "miss"}};
        } else {
            int status = table.error().code == Errc::timeout ? 504 : 502;
            p.last.ok = false;
            p.last.status = status;
            p.last.error = "OLT " + p.olt + ": " + table.error().message;
            ++p.last.failures;
            LOG_LIMITED(log::Level::warn, 20, 60, kTag, "%s: %d %s", key.c_str(), status,
                        p.last.error.c_str());
            answer = error_response(status, p.last.error);
        }
    }
    for (auto& r : waiters) r(answer);
}

// ------------------------------------------------------------------------------------------------ listings

net::Response BridgeService::health() const {
    std::lock_guard lock(mu_);
    const int64_t now = epoch_now();
    auto doc = json::make_object();
    bool all_ok = true;
    auto modems = json::make_array();
    for (const auto& [id, m] : modems_) {
        auto o = json::make_object();
        json::add_string(o.get(), "id", id);
        json::add_string(o.get(), "host", m.entry.host);
        tplink::GuardRecord g = sched_->guard_record(id);
        std::string state = !m.last.done ? "unknown" : m.last.ok ? "ok" : "error";
        if (g.blocked_until > now) state = g.locked ? "locked_out" : "backing_off";
        if (g.stopped && (g.blocked_until > now || sched_->guard_check(id).needs_operator))
            state = "login_stopped";
        if (state != "ok" && state != "unknown") all_ok = false;
        json::add_string(o.get(), "state", state);
        json::add_string(o.get(), "variant",
                         m.entry.variant ? tplink::variant_name(*m.entry.variant) : g.variant);
        json::add(o.get(), "lastRead", outcome_json(m.last));
        json::add_number(o.get(), "reads", static_cast<double>(m.last.reads));
        json::add_number(o.get(), "failedReads", static_cast<double>(m.last.failures));
        json::add_bool(o.get(), "reading", m.in_flight);
        if (m.snap) json::add_number(o.get(), "cacheAgeS", static_cast<double>(age_s(m.snap_at)));
        auto b = json::make_object();
        json::add_number(b.get(), "failedLogins", g.failures);
        json::add_number(b.get(), "retryAfterS",
                         static_cast<double>(std::max<int64_t>(0, g.blocked_until - now)));
        json::add_bool(b.get(), "lockedOut", g.locked && g.blocked_until > now);
        json::add_bool(b.get(), "stopped", g.stopped);
        json::add_number(b.get(), "attemptsUsed", static_cast<double>(g.attempts_used));
        if (!g.last_failure.empty()) json::add_string(b.get(), "lastFailure", g.last_failure);
        json::add_bool(b.get(), "sessionTakenOver", m.report.taken_over);
        json::add(o.get(), "backoff", std::move(b));
        json::append(modems.get(), std::move(o));
    }
    auto olts = json::make_array();
    for (const auto& [id, o] : olts_) {
        auto j = json::make_object();
        json::add_string(j.get(), "id", id);
        json::add_string(j.get(), "host", o.target.name());
        json::add_string(j.get(), "snmp", o.target.credentials.describe());
        auto pons = json::make_array();
        for (const PonRef& ref : o.entry.pons) {
            const PonState& p = pons_.at(pon_key(id, ref.slot, ref.port));
            auto pj = json::make_object();
            json::add_number(pj.get(), "slot", ref.slot);
            json::add_number(pj.get(), "port", ref.port);
            std::string state = !p.last.done      ? "unknown"
                                : !p.last.ok      ? "error"
                                : p.last_complete ? "ok"
                                                  : "partial";
            if (state == "error" || state == "partial") all_ok = false;
            json::add_string(pj.get(), "state", state);
            json::add(pj.get(), "lastRead", outcome_json(p.last));
            if (p.last.done && p.last.ok) {
                json::add_number(pj.get(), "onus", static_cast<double>(p.onus));
                if (!p.last.error.empty()) json::add_string(pj.get(), "walkError", p.last.error);
            }
            json::add_bool(pj.get(), "reading", p.in_flight);
            json::append(pons.get(), std::move(pj));
        }
        json::add(j.get(), "pons", std::move(pons));
        json::append(olts.get(), std::move(j));
    }
    json::add_string(doc.get(), "status", all_ok ? "ok" : "degraded");
    json::add_number(doc.get(), "time", static_cast<double>(now));
    json::add(doc.get(), "modems", std::move(modems));
    json::add(doc.get(), "olts", std::move(olts));
    return json_response(200, doc.get());
}

net::Response BridgeService::modems() const {
    std::lock_guard lock(mu_);
    auto doc = json::make_object();
    auto list = json::make_array();
    for (const auto& [id, m] : modems_) {
        auto o = json::make_object();
        json::add_string(o.get(), "id", id);
        json::add_string(o.get(), "host", m.entry.host);
        json::add_string(
            o.get(), "variant",
            m.entry.variant ? tplink::variant_name(*m.entry.variant) : sched_->guard_record(id).variant);
        json::append(list.get(), std::move(o));
    }
    json::add_number(doc.get(), "total", static_cast<double>(modems_.size()));
    json::add(doc.get(), "modems", std::move(list));
    return json_response(200, doc.get());
}

net::Response BridgeService::olts() const {
    std::lock_guard lock(mu_);
    auto doc = json::make_object();
    auto list = json::make_array();
    for (const auto& [id, o] : olts_) {
        auto j = json::make_object();
        json::add_string(j.get(), "id", id);
        json::add_string(j.get(), "host", o.target.name());
        auto pons = json::make_array();
        for (const PonRef& ref : o.entry.pons) {
            auto pj = json::make_object();
            json::add_number(pj.get(), "slot", ref.slot);
            json::add_number(pj.get(), "port", ref.port);
            json::append(pons.get(), std::move(pj));
        }
        json::add(j.get(), "pons", std::move(pons));
        json::append(list.get(), std::move(j));
    }
    json::add(doc.get(), "olts", std::move(list));
    return json_response(200, doc.get());
}

}  // namespace cpe::bridge::api
