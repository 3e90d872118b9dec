// The endpoints the hub knows: identity and online state in memory, persisted in the store (survives hub
// restarts; every endpoint starts offline). Store failures are logged (rate-limited) and do not stop the
// in-memory registry. Loop thread only.
//
// Admission (docs/security-identity.md): an endpoint is *admitted* when it is on the allow-list (mode
// allow_list; the transport refuses the others), in mode provisioning when its connection presents a verified
// certificate naming its id, in mode identified when it answers the identification with a serial number, and
// in mode erpnext when, after that, the vetting hook (ERPNext's Service Equipment, wired by the device API)
// says the serial is the operator's: asynchronous, bounded by check_timeout_ms, verdicts cached per serial,
// errors retried with back-off while the endpoint stays connected (never admitted on an error). Until then it
// lives in memory only, for as long as it is connected: it is not stored, not listed, not counted and no
// listener hears of it. Under mutual TLS the identity reported must be the certificate's (endpoint id
// "<authority>::<OUI>-<serial>"): otherwise the endpoint is quarantined: listed as such, its reported serial
// kept apart (not matched by lookups, not polled).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "controller/transport.hpp"
#include "store/registry_store.hpp"
#include "usp/types.hpp"
#include "util/lifetime.hpp"
#include "util/result.hpp"

namespace cpe::hub::controller {

struct Endpoint {
    store::EndpointRecord record;  // device_info_json is not kept in memory: ask device_info()
    ConnectionInfo connection;     // valid while online
    int64_t connected_since_ms = 0;
    bool admitted = false;
    bool identified_now = false;  // identified on its current connection
    bool quarantined = false;  // the reported identity contradicts the certificate (record.serial left empty)
    std::string quarantine_reason;
    bool vetting = false;  // mode erpnext: identified, its admission check pending (or retried)
    uint64_t connection_seq =
        0;  // which connection of this id (a vetting answer for an older one is dropped)
};

enum class Admission { identified, allow_list, erpnext, provisioning };
const char* admission_name(Admission a);

struct RegistryOptions {
    Admission admission = Admission::identified;
    // Stored rows of endpoints never identified (an allow-listed id that never answered, an older hub's rows)
    // are dropped when the registry loads once their last_seen is this old.
    int64_t unidentified_ttl_ms = 24LL * 3600 * 1000;
    // Mode erpnext: one check's time bound, how long a verdict (admitted or refused) is kept per serial, and
    // the back-off between checks that failed (doubling from retry_min_ms to retry_max_ms) while the endpoint
    // waits.
    uint64_t check_timeout_ms = 10000;
    int64_t check_cache_ms = 600000;
    uint64_t retry_min_ms = 1000;
    uint64_t retry_max_ms = 60000;
    size_t check_cache_entries = 10000;  // verdicts kept (the oldest go first)
};

// The answer of an admission source about a serial number: a verdict with its reason, or an Error when the
// source could not be asked (then nothing is decided: the check is retried).
struct Vetting {
    bool admitted = false;
    std::string reason;  // what the source holds ("EQP-00012 status Active") or why not
};
using VetDone = std::function<void(Result<Vetting>)>;
// Must never call `done` within the call (post it); `done` runs on the loop thread, at most once.
using Vetter = std::function<void(const std::string& serial, VetDone done)>;
// Runs fn after ms on the loop thread; returns what cancels it.
using Scheduler = std::function<std::function<void()>(uint64_t ms, std::function<void()> fn)>;

// Splits an endpoint id "<authority>::<OUI>-<serial>" (TR-369 "os::" form); false if it has not that shape.
bool oui_serial_of(const std::string& endpoint_id, std::string& oui, std::string& serial);

enum class EndpointChange { connected, disconnected, identified };

class Registry {
  public:
    using Listener = std::function<void(const Endpoint&, EndpointChange)>;

    // `store` may be null (memory only). now_ms() is injectable for tests.
    explicit Registry(store::Store* store, std::function<int64_t()> now_ms = {},
                      RegistryOptions options = {});

    // Loads the persisted endpoints and marks them all offline.
    Status load();

    void connected(const std::string& endpoint_id, const ConnectionInfo& info);
    void disconnected(const std::string& endpoint_id);
    // Identity from a GetResp of Device.DeviceInfo. (and optionally MAC address paths).
    void identify(const std::string& endpoint_id, const usp::GetResp& resp);

    // Admitted or not (the controller talks to both); callers showing devices check `admitted`.
    const Endpoint* find(const std::string& endpoint_id) const;
    // Admitted endpoints only, sorted by endpoint id.
    std::vector<const Endpoint*> list() const;
    size_t size() const { return endpoints_.size() - waiting_; }  // admitted
    size_t online_count() const { return online_; }               // admitted and online
    size_t waiting() const { return waiting_; }                   // connected, not admitted yet
    const RegistryOptions& options() const { return options_; }
    // The last DeviceInfo snapshot as JSON ("" if none), from the store.
    std::string device_info(const std::string& endpoint_id) const;

    // Several listeners may watch; each gets every change.
    void listen(Listener listener) { listeners_.push_back(std::move(listener)); }

    // Mode erpnext: the admission source and the timers it needs. Without a vetter every check fails (and is
    // retried): nothing is admitted by default.
    void set_vetter(Vetter vetter) { vetter_ = std::move(vetter); }
    void set_scheduler(Scheduler scheduler) { schedule_ = std::move(scheduler); }
    // Told when an endpoint waiting for its check is refused after the identify answer was handled (the
    // controller closes its connection). Never called from within connected()/identify()/disconnected().
    void on_refused(std::function<void(const std::string& endpoint_id, const std::string& why)> fn) {
        refused_ = std::move(fn);
    }
    size_t checking() const { return checks_.size(); }  // endpoints whose admission check is pending

    store::Store* store() const { return store_; }
    int64_t now_ms() const { return now_(); }

    ~Registry();
    Registry(const Registry&) = delete;
    Registry& operator=(const Registry&) = delete;

  private:
    struct Check {
        store::EndpointRecord identity;  // as reported; stored once admitted
        std::string serial;              // asked of the source
        uint64_t seq = 0;                // the connection it is for
        uint64_t attempt = 0;
        uint64_t backoff_ms = 0;
        std::function<void()> cancel;  // its timer (answer timeout or retry)
    };
    struct Verdict {
        Vetting vetting;
        int64_t until_ms = 0;
    };
    void notify(const Endpoint& e, EndpointChange change);
    void admit(Endpoint& e);
    // The identity becomes the endpoint's (stored, listeners told).
    void apply_identity(Endpoint& e, store::EndpointRecord rec, bool admitting);
    void start_check(const std::string& endpoint_id);
    void check_answer(const std::string& endpoint_id, uint64_t attempt, const std::string& serial,
                      Result<Vetting> r);
    void drop_check(const std::string& endpoint_id);
    void remember(const std::string& serial, const Vetting& v);
    const Vetting* cached(const std::string& serial);
    std::function<void()> after(uint64_t ms, std::function<void()> fn);

    store::Store* store_;
    std::function<int64_t()> now_;
    RegistryOptions options_;
    size_t waiting_ = 0;
    std::map<std::string, Endpoint> endpoints_;
    size_t online_ = 0;
    std::vector<Listener> listeners_;
    uint64_t next_seq_ = 0;
    uint64_t next_attempt_ = 0;
    Vetter vetter_;
    Scheduler schedule_;
    std::function<void(const std::string&, const std::string&)> refused_;
    std::map<std::string, Check> checks_;      // by endpoint id
    std::map<std::string, Verdict> verdicts_;  // by canonical serial
    Lifetime life_;                            // the timers and admission answers it hands out
};

// Fills model/serial/OUI/product class/firmware/MACs from a GetResp; the snapshot JSON gets every
// resolved object under Device.DeviceInfo. as {"<resolved path>": {"<param>": "<value>"}}.
void identity_from_get_resp(const usp::GetResp& resp, store::EndpointRecord& out);

}  // namespace cpe::hub::controller
