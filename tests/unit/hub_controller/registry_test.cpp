// The registry's admission and certificate checks (docs/security-identity.md), in memory and on a store.
#include <gtest/gtest.h>

#include <filesystem>

#include "controller/registry.hpp"
#include "controller/ws_server.hpp"

using namespace cpe::hub;
using namespace cpe::hub::controller;

namespace {
cpe::usp::GetResp identity(const std::string& serial, const std::string& oui = "0C8063") {
    cpe::usp::GetResp resp;
    resp.req_path_results.push_back(
        {"Device.DeviceInfo.",
         0,
         "",
         {{"Device.DeviceInfo.",
           {{"ModelName", "XX230v"}, {"SerialNumber", serial}, {"ManufacturerOUI", oui}}}}});
    return resp;
}

struct Changes {
    std::vector<std::pair<std::string, EndpointChange>> seen;
    void watch(Registry& r) {
        r.listen([this](const Endpoint& e, EndpointChange c) { seen.emplace_back(e.record.endpoint_id, c); });
    }
};
}  // namespace

TEST(HubRegistry, UnidentifiedEndpointsLeaveNoTrace) {
    Registry r(nullptr, [] { return int64_t{1000}; });
    Changes ch;
    ch.watch(r);
    r.connected("os::0C8063-X", {});
    EXPECT_EQ(r.size(), 0u);
    EXPECT_EQ(r.waiting(), 1u);
    EXPECT_EQ(r.online_count(), 0u);
    EXPECT_TRUE(r.list().empty());
    ASSERT_NE(r.find("os::0C8063-X"), nullptr);  // the controller still talks to it
    EXPECT_FALSE(r.find("os::0C8063-X")->admitted);
    EXPECT_TRUE(ch.seen.empty());
    r.disconnected("os::0C8063-X");
    EXPECT_EQ(r.find("os::0C8063-X"), nullptr);
    EXPECT_EQ(r.waiting(), 0u);
    EXPECT_TRUE(ch.seen.empty());
}

TEST(HubRegistry, IdentifiedEndpointIsAdmitted) {
    Registry r(nullptr, [] { return int64_t{1000}; });
    Changes ch;
    ch.watch(r);
    r.connected("os::0C8063-X", {});
    r.identify("os::0C8063-X", identity(""));  // no serial: still waiting
    EXPECT_EQ(r.size(), 0u);
    r.identify("os::0C8063-X", identity("X"));
    EXPECT_EQ(r.size(), 1u);
    EXPECT_EQ(r.online_count(), 1u);
    EXPECT_EQ(r.waiting(), 0u);
    ASSERT_EQ(ch.seen.size(), 2u);
    EXPECT_EQ(ch.seen[0].second, EndpointChange::connected);
    EXPECT_EQ(ch.seen[1].second, EndpointChange::identified);
    r.disconnected("os::0C8063-X");
    ASSERT_NE(r.find("os::0C8063-X"), nullptr);  // admitted: kept
    EXPECT_EQ(r.online_count(), 0u);
}

TEST(HubRegistry, AllowListAdmitsOnConnect) {
    RegistryOptions o;
    o.admission = Admission::allow_list;
    Registry r(
        nullptr, [] { return int64_t{1000}; }, o);
    r.connected("os::0C8063-X", {});
    EXPECT_EQ(r.size(), 1u);
    EXPECT_EQ(r.online_count(), 1u);
}

TEST(HubRegistry, CertificateIdentityMustMatchTheReport) {
    Registry r(nullptr, [] { return int64_t{1000}; });
    ConnectionInfo proven;
    proven.tls = true;
    proven.proven = true;
    proven.cert_cn = "os::0C8063-REAL01";
    r.connected("os::0C8063-REAL01", proven);
    r.identify("os::0C8063-REAL01", identity("REAL01", "0c8063"));  // OUI case does not matter
    const Endpoint* good = r.find("os::0C8063-REAL01");
    ASSERT_NE(good, nullptr);
    EXPECT_FALSE(good->quarantined);
    EXPECT_EQ(good->record.serial, "REAL01");

    proven.cert_cn = "os::0C8063-SHADOW";
    r.connected("os::0C8063-SHADOW", proven);
    r.identify("os::0C8063-SHADOW", identity("REAL01"));
    const Endpoint* bad = r.find("os::0C8063-SHADOW");
    ASSERT_NE(bad, nullptr);
    EXPECT_TRUE(bad->admitted);
    EXPECT_TRUE(bad->quarantined);
    EXPECT_EQ(bad->record.serial, "");
    EXPECT_NE(bad->quarantine_reason.find("REAL01"), std::string::npos);
    // Without a certificate nothing is checked (loopback only: the transport's rule).
    r.connected("os::0C8063-PLAIN", {});
    r.identify("os::0C8063-PLAIN", identity("OTHER"));
    EXPECT_FALSE(r.find("os::0C8063-PLAIN")->quarantined);
}

TEST(HubRegistry, EndpointIdShapes) {
    std::string oui, serial;
    EXPECT_TRUE(oui_serial_of("os::0C8063-ABC-1", oui, serial));
    EXPECT_EQ(oui, "0C8063");
    EXPECT_EQ(serial, "ABC-1");
    EXPECT_FALSE(oui_serial_of("self::cpehub-", oui, serial));  // no serial after the dash
    EXPECT_FALSE(oui_serial_of("0C8063-ABC", oui, serial));
    EXPECT_FALSE(oui_serial_of("os::-ABC", oui, serial));
    EXPECT_TRUE(is_loopback_address("127.0.0.1"));
    EXPECT_TRUE(is_loopback_address("127.3.2.1"));
    EXPECT_TRUE(is_loopback_address("::ffff:127.0.0.1"));
    EXPECT_TRUE(is_loopback_address("::1"));
    EXPECT_FALSE(is_loopback_address("0.0.0.0"));
    EXPECT_FALSE(is_loopback_address(""));
    EXPECT_FALSE(is_loopback_address("192.0.2.2"));
    EXPECT_FALSE(is_loopback_address("::ffff:10.0.0.1"));
    EXPECT_FALSE(is_loopback_address("1270.0.0.1"));
}

// Mode erpnext: the admission check through a fake vetting hook and fake timers (nothing runs until fired).
namespace {
struct FakeTimers {
    struct Timer {
        uint64_t ms;
        std::function<void()> fn;
        bool cancelled = false;
    };
    std::vector<std::shared_ptr<Timer>> timers;
    Scheduler scheduler() {
        return [this](uint64_t ms, std::function<void()> fn) -> std::function<void()> {
            auto t = std::make_shared<Timer>(Timer{ms, std::move(fn)});
            timers.push_back(t);
            return [t] { t->cancelled = true; };
        };
    }
    // Fires the live timers of `ms`; how many ran.
    int fire(uint64_t ms) {
        auto due = timers;
        int n = 0;
        for (auto& t : due)
            if (!t->cancelled && t->ms == ms) {
                t->cancelled = true;
                t->fn();
                ++n;
            }
        return n;
    }
    size_t live(uint64_t ms) const {
        size_t n = 0;
        for (auto& t : timers) n += !t->cancelled && t->ms == ms;
        return n;
    }
};

struct FakeVetter {
    std::vector<std::pair<std::string, VetDone>> asked;
    Vetter hook() {
        return
            [this](const std::string& serial, VetDone done) { asked.emplace_back(serial, std::move(done)); };
    }
};

struct ErpRegistry {
    int64_t now = 1000;
    RegistryOptions o = [] {
        RegistryOptions o;
        o.admission = Admission::erpnext;
        o.check_timeout_ms = 5000;
        o.retry_min_ms = 100;
        o.retry_max_ms = 400;
        o.check_cache_ms = 60000;
        return o;
    }();
    Registry r{nullptr, [this] { return now; }, o};
    FakeTimers timers;
    FakeVetter vetter;
    Changes ch;
    std::vector<std::string> refused;
    ErpRegistry() {
        r.set_scheduler(timers.scheduler());
        r.set_vetter(vetter.hook());
        r.on_refused([this](const std::string& id, const std::string&) { refused.push_back(id); });
        ch.watch(r);
    }
};
}  // namespace

TEST(HubRegistryErpNext, KnownSerialIsAdmittedOnlyWhenTheSourceSaysSo) {
    ErpRegistry t;
    t.r.connected("os::0C8063-A", {});
    t.r.identify("os::0C8063-A", identity("SERIAL-A"));
    ASSERT_EQ(t.vetter.asked.size(), 1u);
    EXPECT_EQ(t.vetter.asked[0].first, "SERIAL-A");
    EXPECT_TRUE(t.r.find("os::0C8063-A")->vetting);
    EXPECT_FALSE(t.r.find("os::0C8063-A")->admitted);  // identified is not enough
    EXPECT_EQ(t.r.size(), 0u);
    EXPECT_TRUE(t.ch.seen.empty());
    t.vetter.asked[0].second(Vetting{true, "EQP-1 (status Active)"});
    const Endpoint* e = t.r.find("os::0C8063-A");
    ASSERT_NE(e, nullptr);
    EXPECT_TRUE(e->admitted);
    EXPECT_FALSE(e->vetting);
    EXPECT_EQ(e->record.serial, "SERIAL-A");
    EXPECT_EQ(t.r.size(), 1u);
    EXPECT_EQ(t.r.online_count(), 1u);
    ASSERT_EQ(t.ch.seen.size(), 2u);
    EXPECT_EQ(t.ch.seen[0].second, EndpointChange::connected);
    EXPECT_EQ(t.ch.seen[1].second, EndpointChange::identified);
    EXPECT_EQ(t.timers.live(5000), 0u);  // the time bound is cancelled
    EXPECT_TRUE(t.refused.empty());
}

TEST(HubRegistryErpNext, RefusedSerialLeavesNothingAndTheVerdictIsCached) {
    ErpRegistry t;
    t.r.connected("os::0C8063-B", {});
    t.r.identify("os::0C8063-B", identity("SERIAL-B"));
    ASSERT_EQ(t.vetter.asked.size(), 1u);
    t.vetter.asked[0].second(Vetting{false, "no Service Equipment"});
    EXPECT_EQ(t.refused, std::vector<std::string>{"os::0C8063-B"});  // the controller closes it
    EXPECT_FALSE(t.r.find("os::0C8063-B")->admitted);
    EXPECT_FALSE(t.r.find("os::0C8063-B")->vetting);
    t.r.disconnected("os::0C8063-B");
    EXPECT_EQ(t.r.find("os::0C8063-B"), nullptr);
    EXPECT_TRUE(t.ch.seen.empty());
    // Again within the cache time (any case, stray space): refused without asking.
    t.r.connected("os::0C8063-B", {});
    t.r.identify("os::0C8063-B", identity(" serial-b"));
    EXPECT_EQ(t.vetter.asked.size(), 1u);
    EXPECT_FALSE(t.r.find("os::0C8063-B")->admitted);
    EXPECT_FALSE(t.r.find("os::0C8063-B")->vetting);  // decided: the controller's identify path closes it
    // After the cache time the source is asked again.
    t.r.disconnected("os::0C8063-B");
    t.now += 60001;
    t.r.connected("os::0C8063-B", {});
    t.r.identify("os::0C8063-B", identity("SERIAL-B"));
    EXPECT_EQ(t.vetter.asked.size(), 2u);
}

TEST(HubRegistryErpNext, ErrorsAreRetriedWithBackOffAndNeverAdmit) {
    ErpRegistry t;
    t.r.connected("os::0C8063-C", {});
    t.r.identify("os::0C8063-C", identity("SERIAL-C"));
    ASSERT_EQ(t.vetter.asked.size(), 1u);
    t.vetter.asked[0].second(cpe::make_error(cpe::Errc::unavailable, "connection refused"));
    EXPECT_FALSE(t.r.find("os::0C8063-C")->admitted);
    EXPECT_TRUE(t.r.find("os::0C8063-C")->vetting);  // still connected, still waiting
    EXPECT_TRUE(t.refused.empty());
    EXPECT_EQ(t.r.size(), 0u);
    // Back-off: 100, then 200, then 400, 400 (the bound); the time bound counts as an error too.
    ASSERT_EQ(t.timers.fire(100), 1);
    ASSERT_EQ(t.vetter.asked.size(), 2u);
    t.vetter.asked[1].second(cpe::make_error(cpe::Errc::unavailable, "503"));
    ASSERT_EQ(t.timers.fire(200), 1);
    ASSERT_EQ(t.vetter.asked.size(), 3u);
    ASSERT_EQ(t.timers.fire(5000), 1);  // no answer in time
    ASSERT_EQ(t.timers.fire(400), 1);
    ASSERT_EQ(t.vetter.asked.size(), 4u);
    t.vetter.asked[2].second(
        Vetting{true, "late answer of a timed-out attempt"});  // cached, but not this attempt's
    t.vetter.asked[3].second(cpe::make_error(cpe::Errc::unavailable, "503"));
    EXPECT_FALSE(t.r.find("os::0C8063-C")->admitted);
    ASSERT_EQ(t.timers.fire(400), 1);
    // The cached verdict of the late answer is not used for a check under way; the source answers this one.
    ASSERT_EQ(t.vetter.asked.size(), 5u);
    t.vetter.asked[4].second(Vetting{true, "EQP-3 (status Active)"});
    EXPECT_TRUE(t.r.find("os::0C8063-C")->admitted);
    EXPECT_EQ(t.r.size(), 1u);
}

TEST(HubRegistryErpNext, DisconnectedBeforeTheAnswerLeavesNothing) {
    ErpRegistry t;
    t.r.connected("os::0C8063-D", {});
    t.r.identify("os::0C8063-D", identity("SERIAL-D"));
    ASSERT_EQ(t.vetter.asked.size(), 1u);
    EXPECT_EQ(t.r.checking(), 1u);
    t.r.disconnected("os::0C8063-D");
    EXPECT_EQ(t.r.checking(), 0u);
    EXPECT_EQ(t.timers.live(5000), 0u);
    t.vetter.asked[0].second(Vetting{true, "EQP-4 (status Active)"});  // too late: nobody to admit
    EXPECT_EQ(t.r.find("os::0C8063-D"), nullptr);
    EXPECT_EQ(t.r.size(), 0u);
    EXPECT_TRUE(t.ch.seen.empty());
    // An answer for an earlier connection does not admit a later one: it asks again (or uses the cache).
    t.r.connected("os::0C8063-D", {});
    t.r.identify("os::0C8063-D", identity("SERIAL-D"));
    EXPECT_TRUE(t.r.find("os::0C8063-D")->admitted);  // the verdict above was cached for the serial
    EXPECT_EQ(t.vetter.asked.size(), 1u);
}

TEST(HubRegistryErpNext, WithoutAVetterNothingIsAdmitted) {
    RegistryOptions o;
    o.admission = Admission::erpnext;
    Registry r(
        nullptr, [] { return int64_t{1000}; }, o);
    FakeTimers timers;
    r.set_scheduler(timers.scheduler());
    r.connected("os::0C8063-E", {});
    r.identify("os::0C8063-E", identity("SERIAL-E"));
    EXPECT_EQ(timers.fire(0), 1);  // "no admission source": an error, retried
    EXPECT_FALSE(r.find("os::0C8063-E")->admitted);
    EXPECT_TRUE(r.find("os::0C8063-E")->vetting);
}

TEST(HubRegistry, ProvisioningAdmitsVerifiedCertificatesOnConnect) {
    RegistryOptions o;
    o.admission = Admission::provisioning;
    Registry r(
        nullptr, [] { return int64_t{1000}; }, o);
    ConnectionInfo proven;
    proven.proven = true;
    r.connected("os::0C8063-P", proven);
    EXPECT_TRUE(r.find("os::0C8063-P")->admitted);
    r.connected("os::0C8063-Q", {});
    r.identify("os::0C8063-Q", identity("Q"));  // a serial without a certificate is not a registration
    EXPECT_FALSE(r.find("os::0C8063-Q")->admitted);
    EXPECT_EQ(r.size(), 1u);
}
