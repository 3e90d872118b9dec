#include "api/poller.hpp"

#include <algorithm>

#include "json/json.hpp"
#include "log/log.hpp"

namespace cpe::hub::api {

Poller::Poller(app::Hub& hub, const DevicesConfig& config, GenieAcs& genieacs, const AgentCache& agents,
               Hooks hooks)
    : hub_(hub), config_(config), genieacs_(genieacs), agents_(agents), hooks_(std::move(hooks)) {}

Poller::~Poller() {
    timer_.cancel();
}

void Poller::start(uint64_t delay_ms) {
    schedule(delay_ms);
}

void Poller::enqueue(const std::string& ep) {
    if (queued_.insert(ep).second) queue_.push_back(ep);
    pump();
}

void Poller::schedule(uint64_t delay_ms) {
    timer_ = hub_.loop().add_timer(delay_ms, lifetime_.guard([this] {
        poll();
        schedule(config_.poller.interval_s * 1000ULL);
    }));
}

void Poller::poll() {
    if (poll_.running) return;  // the previous one is still going: skip this tick
    poll_ = Stats{};
    poll_.running = true;
    poll_.started_ms = now_ms();
    int64_t stale = config_.poller.stale_after_s * 1000LL;
    for (const auto* e : hub_.registry().list()) {
        if (!e->record.online || e->quarantined) continue;
        const DeviceBrief* b = agents_.brief(e->record.endpoint_id);
        if (b && poll_.started_ms - b->time_ms < stale) {
            ++poll_.agents_fresh;
            continue;
        }
        ++poll_.agents_due;
        if (queued_.insert(e->record.endpoint_id).second) queue_.push_back(e->record.endpoint_id);
    }
    if (genieacs_.configured()) read_fleet();
    pump();
}

void Poller::read_fleet() {
    ++genie_pending_;
    genie_seen_.clear();
    // Only what the summary's brief (brief_of) and the optical history (diag::optical_levels) read; the
    // serial is the identity's _deviceId._SerialNumber, the reading's time the leaves' _timestamp.
    static const std::vector<std::string> proj = {
        "Device.DeviceInfo.SoftwareVersion", "Device.DeviceInfo.ModelName",
        "Device.Optical.Interface.1.OpticalSignalLevel", "Device.Optical.Interface.1.TransmitOpticalLevel",
        "Device.Optical.Interface.1.X_TP_GPON_Config.RXPower",
        "Device.Optical.Interface.1.X_TP_GPON_Config.TXPower",
        "Device.XPON.ONU.1.ANI.1.Transceiver.1.RxPower", "Device.XPON.ONU.1.ANI.1.Transceiver.1.TxPower",
        "InternetGatewayDevice.DeviceInfo.SoftwareVersion", "InternetGatewayDevice.DeviceInfo.ModelName",
        "InternetGatewayDevice.WANDevice.1.X_CT-COM_GponInterfaceConfig.RXPower",
        "InternetGatewayDevice.WANDevice.1.X_CT-COM_GponInterfaceConfig.TXPower",
        // The identity the summary matches agents on (diag::identity_of: GPON serial, first Ethernet MAC).
        "Device.Optical.Interface.1.GponAuth.GponSn",
        "InternetGatewayDevice.WANDevice.1.X_CT-COM_GponInterfaceConfig.GponSn",
        "Device.Ethernet.Interface.1.MACAddress",
        "InternetGatewayDevice.LANDevice.1.LANEthernetInterfaceConfig.1.MACAddress"};
    // Pages are folded in as they arrive (one page of documents in memory at a time).
    auto on_page =
        lifetime_.guard([this](std::vector<FleetDevice> page, std::vector<std::string> invalid_ids) {
            int64_t now = now_ms();
            for (auto& d : page) {
                const GenieHit& h = d.hit;
                DeviceBrief b = brief_of(h.params, h.last_inform_ms.value_or(0), config_.model_families);
                b.online =
                    h.last_inform_ms && now - *h.last_inform_ms < config_.genieacs.online_window_s * 1000LL;
                // GenieACS refreshes values only in a session, which moves _lastInform: the same inform time
                // as at the last poll means the same reading, already in the history.
                auto prev = genie_briefs_.find(h.id);
                bool same =
                    prev != genie_briefs_.end() && prev->second.time_ms == b.time_ms && b.time_ms != 0;
                if (auto t = d.optical_ms ? d.optical_ms : h.last_inform_ms; t && !same)
                    hooks_.genieacs_read(h.id, h.params, *t);
                genie_seen_.insert(h.id);
                if (prev != genie_briefs_.end())
                    prev->second = std::move(b);
                else
                    genie_briefs_.emplace(h.id, std::move(b));
            }
            for (auto& id : invalid_ids) genie_seen_.insert(std::move(id));  // kept as they were
            poll_.genieacs_devices += static_cast<unsigned>(page.size());
            poll_.genieacs_invalid += static_cast<unsigned>(invalid_ids.size());
            ++poll_.genieacs_pages;
        });
    genieacs_.list(proj, on_page, lifetime_.guard([this](Result<sources::WalkResult> r) {
        --genie_pending_;
        poll_.genieacs_ms = now_ms() - poll_.started_ms;
        // Two wordings: genie_fleet_error_ (the protected summary, the log) may name devices; poll_'s goes
        // to the open /health/devices and says only what failed and how many.
        if (!r) {
            // Not one page could be read: every brief stays as it was (the summary says stale, with why).
            genie_fleet_error_ = r.error().message;
            poll_.genieacs_kept = static_cast<unsigned>(genie_briefs_.size());
            poll_.genieacs_error = std::string("the GenieACS fleet read failed (") +
                                   errc_name(r.error().code) + "); every device kept from the previous poll";
        } else {
            const sources::WalkResult& w = *r;
            poll_.genieacs_requests = w.requests;
            poll_.genieacs_retries = w.retries;
            poll_.genieacs_failed_pages = w.failed_pages;
            poll_.genieacs_total = w.first_total;
            poll_.genieacs_truncated = w.truncated;
            // A device not read this time is gone from GenieACS, unless its id lies where a page failed.
            for (auto it = genie_briefs_.begin(); it != genie_briefs_.end();) {
                bool seen = genie_seen_.count(it->first) > 0;
                bool unread = !seen && std::any_of(w.skipped.begin(), w.skipped.end(),
                                                   [&](const sources::SkippedRange& s) {
                                                       return s.contains(it->first);
                                                   });
                if (unread) ++poll_.genieacs_kept;
                if (seen || unread) {
                    ++it;
                } else {
                    ++poll_.genieacs_dropped;
                    it = genie_briefs_.erase(it);
                }
            }
            std::string why, detail;
            auto both = [&](const std::string& plain, const std::string& more) {
                why += (why.empty() ? "" : "; ") + plain;
                detail += (detail.empty() ? "" : "; ") + plain + more;
            };
            if (w.failed_pages)
                both(std::to_string(w.failed_pages) + " page(s) of the GenieACS fleet read failed" +
                         (w.stopped ? " and the read stopped" : "") + " (" +
                         errc_name(w.errc.value_or(Errc::unavailable)) + "); " +
                         std::to_string(poll_.genieacs_kept) + " device(s) kept from the previous poll",
                     " — last: " + w.error);
            if (w.invalid_devices)
                both(std::to_string(w.invalid_devices) +
                         " device document(s) could not be read, their previous data kept",
                     w.invalid.empty() ? "" : " — " + w.invalid.front());
            if (w.truncated)
                both("more than poller.genieacs_limit (" + std::to_string(config_.poller.genieacs_limit) +
                         ") devices: the rest was not read",
                     "");
            poll_.genieacs_error = why;
            genie_fleet_error_ = detail;
            if (!detail.empty()) LOG_LIMITED(log::Level::warn, 5, 300, "devices", "poll: %s", detail.c_str());
            genie_fleet_ms_ = now_ms();
        }
        genie_seen_.clear();
        pump();
    }));
}

void Poller::pump() {
    while (running_ < config_.poller.concurrency && !queue_.empty()) {
        std::string ep = queue_.front();
        queue_.pop_front();
        // Checked before the jitter wait too: an endpoint gone (or quarantined) takes no slot (no
        // head-of-line wait).
        if (const auto* e = hub_.registry().find(ep);
            !e || !e->admitted || !e->record.online || e->quarantined || !hub_.controller()) {
            queued_.erase(ep);
            continue;
        }
        ++running_;
        poll_.agents_max_running = std::max(poll_.agents_max_running, running_);
        uint64_t jitter = config_.poller.jitter_ms
                              ? std::uniform_int_distribution<uint64_t>(0, config_.poller.jitter_ms)(rng_)
                              : 0;
        hub_.loop().add_timer(jitter, lifetime_.guard([this, ep] {
            const auto* e = hub_.registry().find(ep);
            if (!e || !e->record.online || !hub_.controller()) {
                --running_;
                queued_.erase(ep);
                return pump();
            }
            hooks_.agent_get(ep, kBriefPaths, config_.agent_budget_ms,
                             lifetime_.guard([this, ep](Result<diag::Params> r) {
                                 --running_;
                                 queued_.erase(ep);
                                 if (r) {
                                     ++poll_.agents_polled;
                                     hooks_.agent_read(ep, std::move(r).value(), now_ms());
                                 } else {
                                     ++poll_.agents_failed;
                                     LOG_LIMITED(log::Level::warn, 5, 60, "devices", "poll of '%s': %s",
                                                 ep.c_str(), r.error().message.c_str());
                                 }
                                 pump();
                             }));
        }));
    }
    if (poll_.running && running_ == 0 && queue_.empty() && genie_pending_ == 0) {
        poll_.running = false;
        poll_.finished_ms = now_ms();
        last_poll_ = poll_;
        ++polls_finished_;
    }
}

json::Ptr Poller::health_json() const {
    int64_t now = now_ms();
    auto p = json::make_object();
    json::add_bool(p.get(), "enabled", config_.poller.enabled);
    json::add_number(p.get(), "interval_s", config_.poller.interval_s);
    json::add_number(p.get(), "stale_after_s", config_.poller.stale_after_s);
    json::add_bool(p.get(), "running", poll_.running);
    json::add_number(p.get(), "queued", static_cast<double>(queue_.size()));
    json::add_number(p.get(), "finished",
                     static_cast<double>(polls_finished_));  // polls since the hub started
    if (last_poll_.finished_ms) {
        auto l = json::make_object();
        json::add_number(l.get(), "age_s", static_cast<double>((now - last_poll_.finished_ms) / 1000));
        json::add_number(l.get(), "duration_ms",
                         static_cast<double>(last_poll_.finished_ms - last_poll_.started_ms));
        json::add_number(l.get(), "agents_due", last_poll_.agents_due);
        json::add_number(l.get(), "agents_fresh", last_poll_.agents_fresh);
        json::add_number(l.get(), "agents_polled", last_poll_.agents_polled);
        json::add_number(l.get(), "agents_failed", last_poll_.agents_failed);
        json::add_number(l.get(), "agents_max_running", last_poll_.agents_max_running);
        json::add_number(l.get(), "genieacs_devices", last_poll_.genieacs_devices);
        if (genieacs_.configured()) {  // the fleet read's pages (poller section of docs/api.md)
            json::add_number(l.get(), "genieacs_total", static_cast<double>(last_poll_.genieacs_total));
            json::add_number(l.get(), "genieacs_ms", static_cast<double>(last_poll_.genieacs_ms));
            json::add_number(l.get(), "genieacs_pages", last_poll_.genieacs_pages);
            json::add_number(l.get(), "genieacs_requests", last_poll_.genieacs_requests);
            json::add_number(l.get(), "genieacs_retries", last_poll_.genieacs_retries);
            json::add_number(l.get(), "genieacs_failed_pages", last_poll_.genieacs_failed_pages);
            json::add_number(l.get(), "genieacs_invalid", last_poll_.genieacs_invalid);
            json::add_number(l.get(), "genieacs_kept", last_poll_.genieacs_kept);
            json::add_number(l.get(), "genieacs_dropped", last_poll_.genieacs_dropped);
            json::add_bool(l.get(), "genieacs_truncated", last_poll_.genieacs_truncated);
        }
        if (!last_poll_.genieacs_error.empty())
            json::add_string(l.get(), "genieacs_error", last_poll_.genieacs_error);
        json::add(p.get(), "last", std::move(l));
    }
    return p;
}

}  // namespace cpe::hub::api
