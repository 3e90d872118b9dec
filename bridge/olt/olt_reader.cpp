#include "olt_reader.hpp"

#include "snmp_session.hpp"  // first: it tames net-snmp's macros before common/log

#include <sys/select.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <memory>
#include <optional>

#include "log/log.hpp"

namespace cpe::bridge::olt {

namespace {

using Clock = std::chrono::steady_clock;

struct Counters {
    size_t total = 0;
    std::vector<size_t> per_target;
};

struct Job {
    // net-snmp 5.x may write `waiting = 0` through the callback argument as if it were its own
    // struct synch_state when a v3 report ends a request; keep that write off our fields.
    alignas(std::max_align_t) unsigned char synch_state_pad[32] = {};

    Job(std::string olt, const ReadRequest& r, int max_reps)
        : walk(std::move(olt), r.pon, max_reps), target(r.target) {}
    PonWalk walk;
    size_t target;
    std::optional<Error> setup_error;
    int reqid = 0;
    bool in_flight = false;
    Counters* counters = nullptr;
    const Target* target_info = nullptr;
};

std::string timeout_message(const Target& t) {
    std::string why = t.credentials.is_v3() ? "OLT down or unreachable, or wrong SNMPv3 priv passphrase"
                                            : "OLT down or unreachable, or wrong community";
    return t.name() + ": no answer after " + std::to_string(t.retries + 1) + " tries of " +
           std::to_string(t.timeout.count()) + " ms (" + why + ")";
}

int on_snmp(int op, netsnmp_session* /*session*/, int reqid, netsnmp_pdu* pdu, void* magic) {
    auto* job = static_cast<Job*>(magic);
    if (!job || !job->in_flight) return 1;
    if (op == NETSNMP_CALLBACK_OP_RESEND) return 1;  // a retry went out: still waiting
    // A report answering a request it could not authenticate/decrypt carries request id 0.
    const bool report = pdu && pdu->command == SNMP_MSG_REPORT;
    if (reqid != job->reqid && !report) return 1;
    job->in_flight = false;
    --job->counters->total;
    --job->counters->per_target[job->target];
    const std::string olt = job->target_info->name();
    if ((op == NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE || op == NETSNMP_CALLBACK_OP_SEC_ERROR) && pdu) {
        if (report) {
            job->walk.on_failure(report_error(*pdu, olt));
        } else if (pdu->errstat != SNMP_ERR_NOERROR) {
            job->walk.on_error_status(pdu->errstat, pdu->errindex);
        } else {
            auto vbs = to_varbinds(*pdu);
            job->walk.on_response(vbs);
        }
    } else if (op == NETSNMP_CALLBACK_OP_TIMED_OUT) {
        job->walk.on_failure(make_error(Errc::timeout, timeout_message(*job->target_info)));
    } else if (op == NETSNMP_CALLBACK_OP_SEC_ERROR) {
        job->walk.on_failure(
            make_error(Errc::denied, olt + ": SNMPv3 security error (wrong user, passphrase or protocol)"));
    } else {
        job->walk.on_failure(make_error(
            Errc::io_error, olt + ": SNMP request failed (net-snmp callback op " + std::to_string(op) + ")"));
    }
    return 1;
}

}  // namespace

std::vector<Result<PonTable>> read_pons(std::span<const Target> targets,
                                        std::span<const ReadRequest> requests, const ReaderOptions& options) {
    init_library();
    const size_t max_total = std::max<size_t>(1, options.max_in_flight);
    const size_t max_per = std::max<size_t>(1, options.max_in_flight_per_olt);

    // Declared before the sessions: a session closing with requests outstanding may still call back.
    Counters counters;
    counters.per_target.assign(targets.size(), 0);
    std::vector<std::unique_ptr<Job>> jobs;
    jobs.reserve(requests.size());
    std::vector<bool> target_used(targets.size(), false);
    for (const ReadRequest& r : requests) {
        const std::string olt = r.target < targets.size() ? targets[r.target].name() : std::string("?");
        auto job = std::make_unique<Job>(olt, r, options.bulk_repetitions);
        job->counters = &counters;
        if (r.target >= targets.size()) {
            job->setup_error =
                make_error(Errc::invalid_argument, "request names OLT #" + std::to_string(r.target) + " of " +
                                                       std::to_string(targets.size()));
        } else if (auto st = validate_pon(r.pon.slot, r.pon.port, r.pon.max_onu, r.pon.scheme); !st) {
            job->setup_error = st.error().with_context(olt);
        } else {
            job->target_info = &targets[r.target];
            target_used[r.target] = true;
        }
        jobs.push_back(std::move(job));
    }

    std::vector<std::optional<Session>> sessions(targets.size());
    std::vector<std::optional<Error>> open_errors(targets.size());
    for (size_t t = 0; t < targets.size(); ++t) {
        if (!target_used[t]) continue;
        auto s = Session::open(targets[t]);
        if (s)
            sessions[t].emplace(std::move(s.value()));
        else
            open_errors[t] = s.error();
    }
    for (auto& job : jobs) {
        if (!job->setup_error && open_errors[job->target]) job->setup_error = open_errors[job->target];
    }

    const auto deadline = Clock::now() + options.deadline;
    auto active = [](const Job& j) { return !j.setup_error && !j.walk.done(); };
    for (;;) {
        for (auto& job : jobs) {
            if (!active(*job) || job->in_flight) continue;
            if (counters.total >= max_total) break;
            if (counters.per_target[job->target] >= max_per) continue;
            auto req = job->walk.next_request();
            auto id =
                sessions[job->target]->send_getbulk(req.oids, req.bulk_repetitions, &on_snmp, job.get());
            if (!id) {
                job->walk.on_failure(id.error());
                continue;
            }
            job->reqid = *id;
            job->in_flight = true;
            ++counters.total;
            ++counters.per_target[job->target];
        }
        if (counters.total == 0) {
            if (std::none_of(jobs.begin(), jobs.end(), [&](const auto& j) { return active(*j); })) break;
            continue;  // something became sendable (a callback finished a request); schedule it
        }
        const auto now = Clock::now();
        if (now >= deadline) {
            for (auto& job : jobs) {
                if (!active(*job)) continue;
                job->in_flight = false;  // a late callback is ignored
                job->walk.on_failure(
                    make_error(Errc::timeout, job->target_info->name() + ": read not finished within " +
                                                  std::to_string(options.deadline.count()) + " ms"));
            }
            break;
        }
        LargeFdSet fds;
        int nfds = 0;
        int block = 0;
        auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - now);
        left = std::min(left, std::chrono::microseconds(1'000'000));
        timeval tv{static_cast<time_t>(left.count() / 1'000'000),
                   static_cast<suseconds_t>(left.count() % 1'000'000)};
        for (size_t t = 0; t < sessions.size(); ++t) {
            if (sessions[t] && counters.per_target[t] > 0) sessions[t]->add_to_select(nfds, fds, tv, block);
        }
        int n = netsnmp_large_fd_set_select(nfds, fds.get(), nullptr, nullptr, &tv);
        if (n < 0 && errno != EINTR) {
            const std::string why = std::string("select failed: ") + std::strerror(errno);
            for (auto& job : jobs) {
                if (!active(*job)) continue;
                job->in_flight = false;
                job->walk.on_failure(make_error(Errc::io_error, job->target_info->name() + ": " + why));
            }
            break;
        }
        for (size_t t = 0; t < sessions.size(); ++t) {
            if (!sessions[t] || counters.per_target[t] == 0) continue;
            if (n > 0) sessions[t]->read(fds);
            sessions[t]->handle_timeouts();
        }
    }

    std::vector<Result<PonTable>> out;
    out.reserve(jobs.size());
    for (auto& job : jobs) {
        if (job->setup_error) {
            out.emplace_back(*job->setup_error);
            continue;
        }
        PonTable table = job->walk.finish();
        if (table.error && !job->walk.any_cell()) {
            out.emplace_back(table.error->with_context("slot " + std::to_string(table.slot) + " port " +
                                                       std::to_string(table.port)));
            continue;
        }
        if (table.error)
            LOG_LIMITED(cpe::log::Level::warn, 5, 60, "olt", "%s slot %d port %d: partial read: %s",
                        table.olt.c_str(), table.slot, table.port, table.error->message.c_str());
        out.emplace_back(std::move(table));
    }
    return out;
}

Result<PonTable> read_pon(const Target& target, const PonQuery& pon, const ReaderOptions& options) {
    ReadRequest r{0, pon};
    auto v = read_pons(std::span<const Target>(&target, 1), std::span<const ReadRequest>(&r, 1), options);
    return std::move(v.front());
}

}  // namespace cpe::bridge::olt
