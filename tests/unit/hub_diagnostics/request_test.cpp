#include "diagnostics/request.hpp"

#include <gtest/gtest.h>

namespace cpe::hub::diagnostics {
namespace {

std::string error_of(std::string_view body, const std::string& default_url = "") {
    auto r = parse_request(body, {}, default_url);
    EXPECT_FALSE(r) << body;
    return r ? std::string() : r.error().message;
}

TEST(DiagnosticsRequest, PingMapsToTr181InputArguments) {
    auto r = parse_request(
        R"({"type":"ping","host":"10.0.0.1","count":10,"timeoutMs":500,"size":64,"dscp":46,"protocol":"IPv4"})");
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->kind, Kind::ping);
    EXPECT_EQ(r->command, "Device.IP.Diagnostics.IPPing()");
    EXPECT_EQ(r->inputs.at("Host"), "10.0.0.1");
    EXPECT_EQ(r->inputs.at("NumberOfRepetitions"), "10");
    EXPECT_EQ(r->inputs.at("Timeout"), "500");
    EXPECT_EQ(r->inputs.at("DataBlockSize"), "64");
    EXPECT_EQ(r->inputs.at("DSCP"), "46");
    EXPECT_EQ(r->inputs.at("ProtocolVersion"), "IPv4");
    EXPECT_EQ(r->expected_ms, 5000u);
}

TEST(DiagnosticsRequest, DefaultsAreFilledAndEchoed) {
    auto r = parse_request(R"({"type":"ping","host":"example.net"})");
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->inputs.at("NumberOfRepetitions"), "4");
    EXPECT_EQ(r->inputs.count("DSCP"), 0u);
    EXPECT_EQ(json::print(r->args.get()), R"({"host":"example.net","count":4,"timeoutMs":1000,"size":56})");
}

TEST(DiagnosticsRequest, EveryOtherKind) {
    auto t = parse_request(R"({"type":"traceroute","host":"2001:db8::1","maxHops":5,"tries":1})");
    ASSERT_TRUE(t) << t.error().message;
    EXPECT_EQ(t->command, "Device.IP.Diagnostics.TraceRoute()");
    EXPECT_EQ(t->inputs.at("MaxHopCount"), "5");
    auto d = parse_request(R"({"type":"download","connections":4,"durationS":5})", {},
                           "http://192.0.2.1:3310/tr143/download?bytes=1000");
    ASSERT_TRUE(d) << d.error().message;
    EXPECT_EQ(d->inputs.at("DownloadURL"), "http://192.0.2.1:3310/tr143/download?bytes=1000");
    EXPECT_EQ(d->inputs.at("NumberOfConnections"), "4");
    EXPECT_EQ(d->inputs.at("TimeBasedTestDuration"), "5");
    auto u = parse_request(R"({"type":"upload","bytes":1000000})", {},
                           "http://192.0.2.1:3310/tr143/download?bytes=1");
    ASSERT_TRUE(u) << u.error().message;
    EXPECT_EQ(u->command, "Device.IP.Diagnostics.UploadDiagnostics()");
    EXPECT_EQ(u->inputs.at("UploadURL"), "http://192.0.2.1:3310/tr143/upload");
    EXPECT_EQ(u->inputs.at("TestFileLength"), "1000000");
    auto n = parse_request(R"({"type":"nslookup","hostName":"acs.example.net","dnsServer":"192.0.2.53"})");
    ASSERT_TRUE(n) << n.error().message;
    EXPECT_EQ(n->command, "Device.DNS.Diagnostics.NSLookupDiagnostics()");
    EXPECT_EQ(n->inputs.at("DNSServer"), "192.0.2.53");
    auto w = parse_request(R"({"type":"wifiScan"})");
    ASSERT_TRUE(w) << w.error().message;
    EXPECT_EQ(w->command, "Device.WiFi.NeighboringWiFiDiagnostic()");
    EXPECT_TRUE(w->inputs.empty());
}

TEST(DiagnosticsRequest, BadInputNamesTheArgument) {
    EXPECT_NE(error_of("not json").find("request body"), std::string::npos);
    EXPECT_NE(error_of("[1]").find("JSON object"), std::string::npos);
    EXPECT_NE(error_of("{}").find("'type' is required"), std::string::npos);
    EXPECT_NE(error_of(R"({"type":"speedtest"})").find("unknown diagnostic 'speedtest'"), std::string::npos);
    EXPECT_NE(error_of(R"({"type":"ping"})").find("'host' is required"), std::string::npos);
    EXPECT_NE(error_of(R"({"type":"ping","host":"a b"})").find("'host': not a host name"), std::string::npos);
    EXPECT_NE(error_of(R"({"type":"ping","host":"300.1.1.1"})").find("'host'"), std::string::npos);
    EXPECT_NE(error_of(R"({"type":"ping","host":"x","count":0})").find("'count': expected an integer 1…100"),
              std::string::npos);
    EXPECT_NE(error_of(R"({"type":"ping","host":"x","count":1000000})").find("'count'"), std::string::npos);
    EXPECT_NE(error_of(R"({"type":"ping","host":"x","count":2.5})").find("'count'"), std::string::npos);
    EXPECT_NE(error_of(R"({"type":"ping","host":"x","count":"3"})").find("'count'"), std::string::npos);
    EXPECT_NE(error_of(R"({"type":"ping","host":"x","dscp":64})").find("'dscp'"), std::string::npos);
    EXPECT_NE(error_of(R"({"type":"ping","host":"x","protocol":"IPX"})").find("'protocol'"),
              std::string::npos);
    EXPECT_NE(error_of(R"({"type":"ping","host":"x","hops":3})").find("unknown argument 'hops'"),
              std::string::npos);
    EXPECT_NE(error_of(R"({"type":"download"})").find("'url' is required"), std::string::npos);
    EXPECT_NE(error_of(R"({"type":"download","url":"ftp://x/file"})").find("'url'"), std::string::npos);
    EXPECT_NE(error_of(R"({"type":"download","url":"http://u:p@x/file"})").find("'url'"), std::string::npos);
    EXPECT_NE(error_of(R"({"type":"download","url":"http://x:99999/"})").find("'url'"), std::string::npos);
    EXPECT_NE(error_of(R"({"type":"upload","url":"http://x/","bytes":0})").find("'bytes'"),
              std::string::npos);
    EXPECT_NE(error_of(R"({"type":"download","url":"http://x/","connections":9})").find("'connections'"),
              std::string::npos);
    EXPECT_NE(error_of(R"({"type":"nslookup","hostName":"x","dnsServer":"-bad-"})").find("'dnsServer'"),
              std::string::npos);
    EXPECT_NE(error_of(R"({"type":"wifiScan","band":"5GHz"})").find("unknown argument 'band'"),
              std::string::npos);
    std::string big = R"({"type":"ping","host":")" + std::string(5000, 'a') + "\"}";
    auto r = parse_request(big);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::too_large);
}

TEST(DiagnosticsRequest, Hosts) {
    EXPECT_TRUE(valid_host("10.0.0.1"));
    EXPECT_TRUE(valid_host("fe80::1"));
    EXPECT_TRUE(valid_host("a-b.example.net"));
    EXPECT_FALSE(valid_host("1.2.3"));
    EXPECT_FALSE(valid_host("-a.example"));
    EXPECT_FALSE(valid_host("a..b"));
    EXPECT_FALSE(valid_host("a;rm -rf"));
    EXPECT_TRUE(valid_url("http://[2001:db8::1]:8080/x"));
    EXPECT_FALSE(valid_url("http://[2001:db8::1/x"));
    EXPECT_FALSE(valid_url("http:///x"));
}

TEST(DiagnosticsResult, PingInWords) {
    auto r = render_result(Kind::ping, {{"Status", "Complete"},
                                        {"SuccessCount", "8"},
                                        {"FailureCount", "2"},
                                        {"AverageResponseTime", "41"},
                                        {"AverageResponseTimeDetailed", "41250"},
                                        {"MinimumResponseTime", "40"},
                                        {"MaximumResponseTime", "45"}});
    EXPECT_EQ(
        json::print(r.get()),
        R"({"status":"Complete","received":8,"sent":10,"lossPercent":20,"avgMs":41.25,"minMs":40,"maxMs":45,)"
        R"j("ok":true,"summary":"10 sent, 8 received, 20 % loss, latency 41.2 ms average (40.0–45.0 ms)"})j");
}

TEST(DiagnosticsResult, FailedStatusIsNotOk) {
    auto r = render_result(Kind::ping, {{"Status", "Error_CannotResolveHostName"}, {"SuccessCount", "x"}});
    EXPECT_EQ(json::print(r.get()), R"({"status":"Error_CannotResolveHostName","ok":false,)"
                                    R"("summary":"Error_CannotResolveHostName"})");
}

TEST(DiagnosticsResult, TracerouteHopsAsAList) {
    auto r = render_result(Kind::traceroute, {{"Status", "Complete"},
                                              {"RouteHops.1.Host", "gw"},
                                              {"RouteHops.1.HostAddress", "10.1.0.1"},
                                              {"RouteHops.1.RTTimes", "1,2,3"},
                                              {"RouteHops.1.ErrorCode", "0"},
                                              {"RouteHops.2.HostAddress", "10.2.0.1"},
                                              {"RouteHops.2.RTTimes", "5"}});
    auto hops = cJSON_GetObjectItem(r.get(), "hops");
    ASSERT_EQ(cJSON_GetArraySize(hops), 2);
    EXPECT_EQ(json::print(cJSON_GetArrayItem(hops, 0)),
              R"({"hop":1,"host":"gw","address":"10.1.0.1","rttMs":[1,2,3],"errorCode":0})");
    EXPECT_STREQ(cJSON_GetObjectItem(r.get(), "summary")->valuestring, "2 hops, last 10.2.0.1");
}

TEST(DiagnosticsResult, DownloadRateFromBomAndEom) {
    auto r = render_result(Kind::download, {{"Status", "Complete"},
                                            {"TestBytesReceived", "25000000"},
                                            {"BOMTime", "2026-12-06T20:00:00.000000Z"},
                                            {"EOMTime", "2026-12-06T20:00:10.000000Z"},
                                            {"PerConnectionResult.1.TestBytesReceived", "1"},
                                            {"PerConnectionResult.2.TestBytesReceived", "1"}});
    EXPECT_EQ(cJSON_GetObjectItem(r.get(), "mbps")->valuedouble, 20.0);
    EXPECT_EQ(cJSON_GetObjectItem(r.get(), "connections")->valuedouble, 2.0);
    EXPECT_STREQ(cJSON_GetObjectItem(r.get(), "summary")->valuestring, "20.0 Mb/s down (25.0 MB in 10.0 s)");
    // Across midnight and a month end.
    auto m = render_result(Kind::upload, {{"TestBytesSent", "1000000"},
                                          {"BOMTime", "2026-11-30T23:59:59.500000Z"},
                                          {"EOMTime", "2026-12-01T00:00:00.500000Z"}});
    EXPECT_EQ(cJSON_GetObjectItem(m.get(), "mbps")->valuedouble, 8.0);
}

TEST(DiagnosticsResult, NslookupAndWifiScan) {
    auto n = render_result(Kind::nslookup, {{"Status", "Complete"},
                                            {"Result.1.Status", "Success"},
                                            {"Result.1.IPAddresses", "192.0.2.7,192.0.2.8"},
                                            {"Result.1.HostNameReturned", "acs.example.net"}});
    EXPECT_STREQ(cJSON_GetObjectItem(n.get(), "summary")->valuestring, "resolves to 192.0.2.7,192.0.2.8");
    auto w = render_result(Kind::wifi_scan, {{"Result.1.SSID", "Neighbour"},
                                             {"Result.1.Channel", "6"},
                                             {"Result.1.SignalStrength", "-71"},
                                             {"Result.1.OperatingFrequencyBand", "2.4GHz"},
                                             {"Result.2.SSID", "Other"},
                                             {"Result.2.Channel", "36"}});
    auto nets = cJSON_GetObjectItem(w.get(), "networks");
    ASSERT_EQ(cJSON_GetArraySize(nets), 2);
    EXPECT_EQ(cJSON_GetObjectItem(cJSON_GetArrayItem(nets, 0), "signalDbm")->valuedouble, -71.0);
    EXPECT_STREQ(cJSON_GetObjectItem(w.get(), "summary")->valuestring, "2 neighbouring networks");
}

}  // namespace
}  // namespace cpe::hub::diagnostics
