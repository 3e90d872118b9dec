// Config errors name the field; defaults and relative paths.
#include <gtest/gtest.h>

#include "app/config.hpp"

using namespace cpe::hub::app;

namespace {
std::string error_of(const std::string& text) {
    auto c = parse_config(text, "hub.json", "/etc/hub");
    return c.ok() ? std::string("(parsed)") : c.error().message;
}
}  // namespace

TEST(HubConfig, DefaultsAndRelativePaths) {
    auto c = parse_config(
        R"({"store": {"path": "db/hub.db"}, "usp": {"tls": {"cert_file": "a.crt", "key_file": "/abs/a.key"}}})",
        "hub.json", "/etc/hub");
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->http.port, 3300);
    EXPECT_TRUE(c->usp.enabled);
    EXPECT_EQ(c->usp.endpoint_id, "self::cpe-hub");
    EXPECT_EQ(c->store.path, "/etc/hub/db/hub.db");
    EXPECT_EQ(c->usp.tls.cert_file, "/etc/hub/a.crt");
    EXPECT_EQ(c->usp.tls.key_file, "/abs/a.key");
    EXPECT_EQ(c->usp.subscriptions.size(), 3u);
    EXPECT_EQ(c->http.bind, "127.0.0.1");
    EXPECT_EQ(c->usp.max_connections_per_address, 64u);
    EXPECT_EQ(c->usp.descriptor_reserve, 256u);
    auto limits =
        parse_config(R"({"usp": {"max_connections_per_address": 0, "descriptor_reserve": 32}})", "hub.json");
    ASSERT_TRUE(limits.ok()) << limits.error().message;
    EXPECT_EQ(limits->usp.max_connections_per_address, 0u);
    EXPECT_EQ(limits->usp.descriptor_reserve, 32u);
}

// One spelling for TLS files everywhere (cert_file, key_file, ca_file); the hub's older short keys still
// work.
TEST(HubConfig, OldTlsSpellingStillRead) {
    auto c =
        parse_config(R"({"usp": {"tls": {"cert": "/a.crt", "key": "/a.key", "ca": "/ca.pem"}}})", "hub.json");
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->usp.tls.cert_file, "/a.crt");
    EXPECT_EQ(c->usp.tls.key_file, "/a.key");
    EXPECT_EQ(c->usp.tls.ca_file, "/ca.pem");
}

TEST(HubConfig, ErrorsNameTheField) {
    EXPECT_EQ(error_of(R"({"usp": {"port": 70000}})"), "hub.json: usp.port: expected an integer in 0..65535");
    EXPECT_EQ(error_of(R"({"usp": {"port": "8080"}})"),
              "hub.json: usp.port: expected an integer in 0..65535");
    EXPECT_EQ(error_of(R"({"http": {"bind": 1}})"), "hub.json: http.bind: expected a string");
    EXPECT_EQ(error_of(R"({"usp": {"enabled": "yes"}})"), "hub.json: usp.enabled: expected true or false");
    EXPECT_EQ(error_of(R"({"usp": {"tls": {"cert_file": "a"}}})"),
              "hub.json: usp.tls.key_file: TLS needs both a certificate and a key");
    EXPECT_EQ(
        error_of(R"({"usp": {"tls": {"cert_file": "a", "key_file": "b", "require_client_cert": true}}})"),
        "hub.json: usp.tls.require_client_cert: needs usp.tls.cert_file, usp.tls.key_file and "
        "usp.tls.ca_file");
    EXPECT_EQ(error_of(R"({"usp": {"tls": {"cert": "a", "cert_file": "b"}}})"),
              "hub.json: usp.tls.cert: given together with usp.tls.cert_file: keep cert_file");
    EXPECT_EQ(error_of(R"({"usp": {"prot": 1}})"), "hub.json: usp.prot: unknown field");
    EXPECT_EQ(error_of(R"({"log": {"level": "loud"}})"),
              "hub.json: log.level: 'loud' is not one of debug, info, warn, error, off");
    EXPECT_EQ(
        error_of(
            R"({"usp": {"subscriptions": [{"id": "a", "notif_type": "Sometimes", "reference_list": "Device."}]}})"),
        "hub.json: usp.subscriptions[0].notif_type: 'Sometimes' is not ValueChange, ObjectCreation, "
        "ObjectDeletion, Event or OperationComplete");
    EXPECT_EQ(
        error_of(
            R"({"usp": {"subscriptions": [{"id": "a", "notif_type": "Event", "reference_list": "Device."},
                                                     {"id": "a", "notif_type": "Event", "reference_list": "Device."}]}})"),
        "hub.json: usp.subscriptions[1].id: 'a' is used twice");
    EXPECT_EQ(error_of("[]"), "hub.json: expected a JSON object");
    EXPECT_NE(error_of("{\"usp\": ").find("hub.json"), std::string::npos);
    auto missing = load_config("/nonexistent/hub.json");
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(missing.error().message.find("/nonexistent/hub.json"), std::string::npos);
}

// Issue 10, item 3 and 5: the USP listener is loopback unless client certificates prove the endpoint ids;
// admission modes.
TEST(HubConfig, UspListenerAndAdmission) {
    auto c = parse_config("{}", "hub.json");
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->usp.bind, "127.0.0.1");
    EXPECT_EQ(c->usp.admission.mode, cpe::hub::controller::Admission::identified);
    EXPECT_EQ(c->usp.notification_bytes_per_endpoint, 256u << 10);
    EXPECT_EQ(error_of(R"({"usp": {"bind": "0.0.0.0"}})")
                  .rfind("hub.json: usp.bind: '0.0.0.0' is reachable from other hosts", 0),
              0u);
    EXPECT_EQ(error_of(R"({"usp": {"bind": ""}})").rfind("hub.json: usp.bind: '' is reachable", 0), 0u);
    EXPECT_EQ(error_of(R"({"usp": {"bind": "::1"}})"), "(parsed)");
    EXPECT_EQ(
        error_of(
            R"({"usp": {"bind": "0.0.0.0", "tls": {"cert": "a", "key": "b", "ca": "c", "require_client_cert": true}}})"),
        "(parsed)");
    EXPECT_EQ(error_of(R"({"usp": {"enabled": false, "bind": "0.0.0.0"}})"), "(parsed)");
    auto a = parse_config(
        R"({"usp": {"admission": {"mode": "allow_list", "allow": ["os::1-A", "os::1-B"], "unidentified_ttl_s": 60}}})",
        "hub.json");
    ASSERT_TRUE(a.ok()) << a.error().message;
    EXPECT_EQ(a->usp.admission.mode, cpe::hub::controller::Admission::allow_list);
    EXPECT_EQ(a->usp.admission.allow.size(), 2u);
    EXPECT_EQ(a->usp.admission.unidentified_ttl_s, 60);
    EXPECT_EQ(error_of(R"({"usp": {"admission": {"mode": "everyone"}}})"),
              "hub.json: usp.admission.mode: 'everyone' is not one of identified, allow_list, erpnext, "
              "provisioning");
    auto erp = parse_config(R"({"usp": {"admission": {"mode": "erpnext", "refused_statuses": ["Retourne"],
                                 "check_timeout_ms": 2000, "check_cache_s": 30, "retry_min_ms": 50, "retry_max_s": 5}}})",
                            "hub.json");
    ASSERT_TRUE(erp.ok()) << erp.error().message;
    EXPECT_EQ(erp->usp.admission.mode, cpe::hub::controller::Admission::erpnext);
    EXPECT_EQ(erp->usp.admission.refused_statuses, std::vector<std::string>{"Retourne"});
    EXPECT_EQ(erp->usp.admission.check_timeout_ms, 2000u);
    EXPECT_EQ(erp->usp.admission.check_cache_s, 30);
    EXPECT_EQ(erp->usp.admission.retry_min_ms, 50u);
    EXPECT_EQ(erp->usp.admission.retry_max_s, 5u);
    EXPECT_EQ(error_of(R"({"usp": {"admission": {"mode": "erpnext", "refused_statuses": "Retourne"}}})"),
              "hub.json: usp.admission.refused_statuses: expected an array of statuses");
    EXPECT_EQ(error_of(R"({"usp": {"admission": {"mode": "provisioning"}}})"),
              "hub.json: usp.admission.mode: provisioning admits the endpoints whose client certificate "
              "names them: "
              "it needs usp.tls.require_client_cert");
    EXPECT_EQ(error_of(R"({"usp": {"admission": {"mode": "allow_list"}}})"),
              "hub.json: usp.admission.allow: mode allow_list needs at least one endpoint id");
    EXPECT_EQ(error_of(R"({"usp": {"admission": {"allow": ["os::1-A"]}}})"),
              "hub.json: usp.admission.allow: only used with mode allow_list");
    EXPECT_EQ(error_of(R"({"usp": {"admission": {"allow": [""], "mode": "allow_list"}}})"),
              "hub.json: usp.admission.allow[0]: expected a non-empty endpoint id");
}

TEST(HubConfig, CertRenewalIsCheckedAndNeedsClientCertificatesAndThePrefix) {
    const std::string tls =
        R"("tls": {"cert_file": "hub.pem", "key_file": "hub.key", "ca_file": "ca.pem", "require_client_cert": true})";
    auto with = [&](const std::string& renewal,
                    const std::string& extra = R"(, "vendor_prefix": "X_0C8063_")") {
        return R"({"usp": {)" + tls + extra + R"(, "cert_renewal": )" + renewal + "}}";
    };
    auto c =
        parse_config(with(R"({"days_before_expiry": 20, "ca_cert_file": "ca.pem", "ca_key_file": "ca.key"})"),
                     "hub.json", "/etc/hub");
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_TRUE(c->usp.cert_renewal.enabled);
    EXPECT_EQ(c->usp.cert_renewal.days_before_expiry, 20u);
    EXPECT_EQ(c->usp.cert_renewal.validity_days, 825u);
    EXPECT_EQ(c->usp.cert_renewal.ca_key_file, "/etc/hub/ca.key");
    auto off = parse_config("{}", "hub.json");
    ASSERT_TRUE(off.ok());
    EXPECT_FALSE(off->usp.cert_renewal.enabled);

    EXPECT_EQ(error_of(with(R"({"ca_cert_file": "ca.pem"})")),
              "hub.json: usp.cert_renewal.ca_key_file: the fleet CA's certificate and key are both required");
    EXPECT_NE(error_of(with(R"({"ca_cert_file": "a", "ca_key_file": "b", "validity_days": 30})"))
                  .find("usp.cert_renewal.validity_days: must be more than days_before_expiry (30)"),
              std::string::npos);
    EXPECT_NE(error_of(with(R"({"ca_cert_file": "a", "ca_key_file": "b", "days_before_expiry": 0})"))
                  .find("usp.cert_renewal.days_before_expiry"),
              std::string::npos);
    EXPECT_NE(error_of(with(R"({"ca_cert_file": "a", "ca_key_file": "b", "days": 3})")).find("days"),
              std::string::npos);
    EXPECT_NE(
        error_of(with(R"({"ca_cert_file": "a", "ca_key_file": "b"})", "")).find("it needs usp.vendor_prefix"),
        std::string::npos);
    EXPECT_NE(
        error_of(
            R"({"usp": {"vendor_prefix": "X_0C8063_", "cert_renewal": {"ca_cert_file": "a", "ca_key_file": "b"}}})")
            .find("it needs usp.tls.require_client_cert"),
        std::string::npos);
}
