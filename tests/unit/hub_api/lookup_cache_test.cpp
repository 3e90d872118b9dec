// The lookup cache (hub/api/lookup_cache.*): bounds, freshness windows, what voids an entry, the reuse limit
// of a rendered answer; and its configuration (devices.json "cache"). Time is passed in: no clock, no sleeps.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "api/devices_config.hpp"
#include "api/lookup_cache.hpp"
#include "app/config.hpp"
#include "log/log.hpp"

using namespace cpe::hub::api;

namespace {

CacheWindows windows(int64_t agent_s, int64_t genie_s, int64_t erp_s, int64_t bridge_s, size_t max) {
    CacheWindows w;
    w.agent_ms = agent_s * 1000;
    w.genieacs_ms = genie_s * 1000;
    w.erpnext_ms = erp_s * 1000;
    w.bridge_ms = bridge_s * 1000;
    w.max_devices = max;
    return w;
}

std::shared_ptr<const GenieHit> hit(const std::string& id) {
    auto h = std::make_shared<GenieHit>();
    h->id = id;
    h->match = "serial";
    return h;
}

}  // namespace

TEST(HubLru, DropsTheLeastRecentlyUsedBeyondItsCapacity) {
    Lru<int> lru(2);
    lru.put("a", 1);
    lru.put("b", 2);
    ASSERT_NE(lru.find("a"), nullptr);  // "a" is now the most recent: "b" goes first
    lru.put("c", 3);
    EXPECT_EQ(lru.size(), 2u);
    EXPECT_EQ(lru.find("b"), nullptr);
    EXPECT_EQ(*lru.find("a"), 1);
    EXPECT_EQ(*lru.find("c"), 3);
    EXPECT_EQ(lru.evicted(), 1u);
    lru.put("a", 10);  // replaced in place, nothing evicted
    EXPECT_EQ(*lru.find("a"), 10);
    EXPECT_EQ(lru.size(), 2u);
    EXPECT_EQ(lru.erase_if([](std::string_view k, int) { return k == "c"; }), 1u);
    EXPECT_EQ(lru.find("c"), nullptr);
    EXPECT_TRUE(lru.erase("a"));
    EXPECT_FALSE(lru.erase("a"));
    EXPECT_EQ(lru.size(), 0u);
}

TEST(HubLru, BoundedByWeightToo) {
    Lru<int> lru(100, 1000);
    lru.put("a", 1, 400);
    lru.put("b", 2, 400);
    EXPECT_EQ(lru.weight(), 800u);
    lru.put("c", 3, 400);  // 1200 > 1000: the least recently used goes
    EXPECT_EQ(lru.find("a"), nullptr);
    EXPECT_EQ(lru.weight(), 800u);
    lru.put("b", 2, 100);  // replaced: its old weight is given back
    EXPECT_EQ(lru.weight(), 500u);
    lru.put("huge", 4, 5000);  // heavier than the bound alone: kept (the newest always stays), the rest goes
    EXPECT_EQ(lru.size(), 1u);
    EXPECT_NE(lru.find("huge"), nullptr);
    EXPECT_TRUE(lru.erase("huge"));
    EXPECT_EQ(lru.weight(), 0u);
}

TEST(HubLookupCache, GenieAcsDocumentsBoundedByMemory) {
    CacheWindows w;
    w.genieacs_max_bytes = 1 << 20;
    LookupCache c(w);
    const int64_t t0 = 1'800'000'000'000;
    auto big = [](int i) {
        auto h = std::make_shared<GenieHit>();
        h->id = "dev" + std::to_string(i);
        for (int k = 0; k < 2000; ++k)
            h->params["Device.Hosts.Host." + std::to_string(k) + ".HostName"] =
                "a-host-name-longer-than-sixteen";
        return std::shared_ptr<const GenieHit>(std::move(h));
    };
    EXPECT_GT(approx_bytes(big(0)->params), 2000u * 112);
    for (int i = 0; i < 10; ++i) c.put_genieacs("q" + std::to_string(i), big(i), t0);
    EXPECT_NE(c.genieacs("q9", t0), nullptr);  // the newest stay
    EXPECT_EQ(c.genieacs("q0", t0), nullptr);  // the oldest went: ~0.4 MB each, 1 MB allowed
    auto j = c.stats_json();
    EXPECT_LE(cJSON_GetObjectItemCaseSensitive(j.get(), "genieacs_mb")->valuedouble, 1.0);
}

TEST(HubLru, KeysStayValidThroughManyInsertions) {
    // The index views the list's keys: long keys (no small-string buffer) and many evictions.
    Lru<size_t> lru(50);
    for (size_t i = 0; i < 5000; ++i) lru.put(std::string(40, 'k') + std::to_string(i), i);
    EXPECT_EQ(lru.size(), 50u);
    for (size_t i = 4950; i < 5000; ++i) {
        const size_t* v = lru.find(std::string(40, 'k') + std::to_string(i));
        ASSERT_NE(v, nullptr) << i;
        EXPECT_EQ(*v, i);
    }
    EXPECT_EQ(lru.find(std::string(40, 'k') + "0"), nullptr);
}

TEST(HubLookupCache, SourceAnswersLiveForTheirWindowOnly) {
    LookupCache c(windows(5, 60, 300, 30, 100));
    const int64_t t0 = 1'800'000'000'000;
    EXPECT_EQ(c.genieacs("TPLG1", t0), nullptr);
    c.put_genieacs("TPLG1", hit("1C61B4-Device2-TPLG1"), t0);
    c.put_genieacs("NOSUCH", nullptr, t0);  // "does not know it" is an answer too
    const auto* a = c.genieacs("TPLG1", t0 + 59'999);
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a->fetched_ms, t0);  // the age shown is the data's, not the hit's
    EXPECT_EQ(a->value->id, "1C61B4-Device2-TPLG1");
    ASSERT_NE(c.genieacs("NOSUCH", t0 + 1000), nullptr);
    EXPECT_EQ(c.genieacs("NOSUCH", t0 + 1000)->value, nullptr);
    EXPECT_EQ(c.genieacs("TPLG1", t0 + 60'000), nullptr);  // window over: ask again

    auto reading = std::make_shared<const cpe::json::Ptr>(cpe::json::make_object());
    c.put_bridge("EQP-1", reading, t0);
    EXPECT_NE(c.bridge("EQP-1", t0 + 29'000), nullptr);
    EXPECT_EQ(c.bridge("EQP-1", t0 + 30'000), nullptr);
    c.put_erpnext("TPLG1\n", std::make_shared<const ErpData>(), t0);
    EXPECT_NE(c.erpnext("TPLG1\n", t0 + 299'000), nullptr);
    EXPECT_EQ(c.erpnext("TPLG1\n", t0 + 300'000), nullptr);
    EXPECT_EQ(c.erpnext("TPLG1\n", t0 - 1), nullptr);  // from the future (clock stepped back): not trusted

    EXPECT_EQ(c.drop_genieacs_if([](const GenieHit& h) { return h.id == "1C61B4-Device2-TPLG1"; }), 1u);
    EXPECT_EQ(c.genieacs("TPLG1", t0 + 1), nullptr);
}

TEST(HubLookupCache, AWindowOfZeroNeverKeepsAnything) {
    LookupCache c(windows(0, 0, 0, 0, 100));
    const int64_t t0 = 1'800'000'000'000;
    c.put_genieacs("A", hit("x"), t0);
    c.put_erpnext("A", nullptr, t0);
    c.put_bridge("A", nullptr, t0);
    EXPECT_EQ(c.genieacs("A", t0), nullptr);
    EXPECT_EQ(c.erpnext("A", t0), nullptr);
    EXPECT_EQ(c.bridge("A", t0), nullptr);
    EXPECT_FALSE(c.agent_fresh("os::ep", t0, t0));
}

TEST(HubLookupCache, AgentSnapshotIsVoidAfterAChange) {
    LookupCache c(windows(5, 60, 300, 30, 100));
    const int64_t t0 = 1'800'000'000'000;
    EXPECT_TRUE(c.agent_fresh("os::ep", t0, t0 + 4'999));
    EXPECT_FALSE(c.agent_fresh("os::ep", t0, t0 + 5'000));  // older than the window
    c.agent_changed("os::ep", t0 + 100);                    // a notification after the Get
    EXPECT_FALSE(c.agent_fresh("os::ep", t0, t0 + 200));
    EXPECT_TRUE(c.agent_fresh("os::ep", t0 + 300, t0 + 400));  // a Get after it
    EXPECT_TRUE(c.agent_fresh("os::other", t0, t0 + 200));     // only that agent
}

TEST(HubLookupCache, RenderedAnswersUntilTheirLimitOrAChange) {
    LookupCache c(windows(5, 60, 300, 30, 100));
    const int64_t t0 = 1'800'000'000'000;
    c.put_answer("TPLG1", "os::a", "{\"id\":\"os::a\"}", t0 + 700);
    c.put_answer("TPLG2", "os::b", "{\"id\":\"os::b\"}", t0 + 900);
    ASSERT_NE(c.answer("TPLG1", t0 + 699), nullptr);
    EXPECT_EQ(*c.answer("TPLG1", t0 + 699), "{\"id\":\"os::a\"}");
    EXPECT_EQ(c.answer("TPLG1", t0 + 700), nullptr);
    c.drop_answers_of("os::b");
    EXPECT_EQ(c.answer("TPLG2", t0), nullptr);
    c.put_answer("TPLG2", "os::b", "{}", t0 + 900);
    c.drop_answers();
    EXPECT_EQ(c.answer("TPLG2", t0), nullptr);
    // One device, two queries: both go; a query answered for another device since: kept.
    c.put_answer("TPLG1", "os::a", "1", t0 + 900);
    c.put_answer("a-suffix", "os::a", "2", t0 + 900);
    c.put_answer("shared", "os::a", "3", t0 + 900);
    c.put_answer("shared", "os::b", "4", t0 + 900);  // replaced: now os::b's
    c.drop_answers_of("os::a");
    EXPECT_EQ(c.answer("TPLG1", t0), nullptr);
    EXPECT_EQ(c.answer("a-suffix", t0), nullptr);
    ASSERT_NE(c.answer("shared", t0), nullptr);
    c.drop_answers_of("os::b");
    EXPECT_EQ(c.answer("shared", t0), nullptr);
}

TEST(HubLookupCache, HistoryUntilDropped) {
    LookupCache c(windows(5, 60, 300, 30, 2));
    EXPECT_EQ(c.history("a"), nullptr);
    c.put_history("a", {{1000, -19.5}, {2000, -19.6}});
    ASSERT_NE(c.history("a"), nullptr);
    EXPECT_EQ(c.history("a")->size(), 2u);
    c.drop_history("a");
    EXPECT_EQ(c.history("a"), nullptr);
    c.put_history("a", {});
    c.put_history("b", {});
    c.put_history("c", {});  // bounded: "a" goes
    EXPECT_EQ(c.history("a"), nullptr);
}

TEST(HubLookupCache, StatsCountHitsAndMissesWithoutDeviceData) {
    LookupCache c(windows(5, 60, 300, 30, 100));
    const int64_t t0 = 1'800'000'000'000;
    c.put_genieacs("TPLGSECRET1", hit("1C61B4-Device2-TPLGSECRET1"), t0);
    c.genieacs("TPLGSECRET1", t0);
    c.genieacs("TPLGSECRET2", t0);
    std::string s = cpe::json::print(c.stats_json().get());
    EXPECT_EQ(s.find("TPLGSECRET"), std::string::npos) << s;
    auto j = c.stats_json();
    const cJSON* hits = cJSON_GetObjectItemCaseSensitive(j.get(), "hits");
    const cJSON* misses = cJSON_GetObjectItemCaseSensitive(j.get(), "misses");
    EXPECT_EQ(cJSON_GetObjectItemCaseSensitive(hits, "genieacs")->valuedouble, 1);
    EXPECT_EQ(cJSON_GetObjectItemCaseSensitive(misses, "genieacs")->valuedouble, 1);
    EXPECT_EQ(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j.get(), "windows_s"), "agent")
            ->valuedouble,
        5);
}

TEST(HubLookupCache, NextAgeChangeIsTheNextWholeSecondOfTheData) {
    const int64_t d = 1'800'000'000'250;
    EXPECT_EQ(next_age_change(d, d), d + 1000);  // age 0 until a second old
    EXPECT_EQ(next_age_change(d + 999, d), d + 1000);
    EXPECT_EQ(next_age_change(d + 1000, d), d + 2000);  // age 1 from there
    EXPECT_EQ(next_age_change(d + 61'500, d), d + 62'000);
    EXPECT_EQ(next_age_change(d - 5000, d), d + 1000);  // from the future (skewed clock): 0 until then
}

TEST(HubCacheConfig, CacheWindowsDefaultsAndErrors) {
    auto d = parse_devices_config("{}", "d.json");
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d->cache.agent_s, 5u);
    EXPECT_EQ(d->cache.genieacs_s, 60u);
    EXPECT_EQ(d->cache.erpnext_s, 300u);
    EXPECT_EQ(d->cache.bridge_s, 30u);
    EXPECT_EQ(d->cache.max_devices, 1000u);
    EXPECT_EQ(d->cache.genieacs_max_mb, 64u);
    auto c = parse_devices_config(
        R"({"cache":{"agent_s":0,"genieacs_s":30,"erpnext_s":600,"bridge_s":10,"max_devices":5000}})",
        "d.json");
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->cache.agent_s, 0u);
    EXPECT_EQ(c->cache.genieacs_s, 30u);
    EXPECT_EQ(c->cache.max_devices, 5000u);
    auto typo = parse_devices_config(R"({"cache":{"agent":5}})", "d.json");
    ASSERT_FALSE(typo.ok());
    EXPECT_EQ(typo.error().message, "d.json: cache.agent: unknown field");
    auto neg = parse_devices_config(R"({"cache":{"genieacs_s":-1}})", "d.json");
    ASSERT_FALSE(neg.ok());
    EXPECT_NE(neg.error().message.find("cache.genieacs_s"), std::string::npos);
    EXPECT_FALSE(parse_devices_config(R"({"cache":{"max_devices":0}})", "d.json").ok());
    EXPECT_FALSE(parse_devices_config(R"({"cache":5})", "d.json").ok());
}

TEST(HubCacheConfig, TheExampleFileParses) {
    std::ifstream f(std::string(CPE_SOURCE_DIR) + "/hub/config/hub.example.json");
    ASSERT_TRUE(f) << "hub/config/hub.example.json";
    std::stringstream ss;
    ss << f.rdbuf();
    auto c = cpe::hub::app::parse_config(ss.str(), "hub.example.json");
    ASSERT_TRUE(c.ok()) << c.error().message;
    ASSERT_TRUE(c->devices_given);
    EXPECT_EQ(c->devices.cache.agent_s, 5u);
    EXPECT_EQ(c->devices.genieacs.url, "http://genieacs:7557");
}

// The device API's settings are a section of the hub configuration; its errors name the key under "devices".
TEST(HubCacheConfig, DevicesSectionOfTheHubConfiguration) {
    auto c = cpe::hub::app::parse_config(
        R"({"devices":{"cache":{"agent_s":7},"bridge":{"url":"http://b:3301"}}})", "hub.json");
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_TRUE(c->devices_given);
    EXPECT_EQ(c->devices.cache.agent_s, 7u);
    EXPECT_EQ(c->devices.bridge.url, "http://b:3301");
    auto typo = cpe::hub::app::parse_config(R"({"devices":{"cache":{"agent":5}}})", "hub.json");
    ASSERT_FALSE(typo.ok());
    EXPECT_NE(typo.error().message.find("hub.json: devices.cache.agent: unknown field"), std::string::npos)
        << typo.error().message;
    EXPECT_FALSE(cpe::hub::app::parse_config(R"({"devices":5})", "hub.json").ok());
    auto none = cpe::hub::app::parse_config("{}", "hub.json");
    ASSERT_TRUE(none.ok());
    EXPECT_FALSE(none->devices_given);
}

// The older HUB_DEVICES_CONFIG file is still read, with a warning naming the new section; naming one while
// the hub configuration has the section is an error (which one would win is not guessed).
TEST(HubCacheConfig, OldDevicesFileStillReadWithAWarning) {
    auto dir = std::filesystem::temp_directory_path() / ("cpe-hub-devcfg-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const std::string file = (dir / "devices.json").string();
    std::ofstream(file) << R"({"cache":{"agent_s":9}})";
    static std::vector<std::string> lines;
    lines.clear();
    cpe::log::set_sink([](cpe::log::Level, const char* line, void*) { lines.emplace_back(line); }, nullptr);
    ::setenv("HUB_DEVICES_CONFIG", file.c_str(), 1);
    auto old = devices_config_from_env(DevicesConfig{}, false);
    DevicesConfig section;
    section.cache.agent_s = 3;
    auto both = devices_config_from_env(section, true);
    ::unsetenv("HUB_DEVICES_CONFIG");
    auto only_section = devices_config_from_env(section, true);
    cpe::log::set_sink(nullptr, nullptr);
    std::filesystem::remove_all(dir);

    ASSERT_TRUE(old.ok()) << old.error().message;
    EXPECT_EQ(old->cache.agent_s, 9u);
    bool warned = false;
    for (const auto& l : lines)
        warned = warned || (l.find("HUB_DEVICES_CONFIG") != std::string::npos &&
                            l.find("\"devices\"") != std::string::npos);
    EXPECT_TRUE(warned) << "no warning naming the \"devices\" section";
    ASSERT_FALSE(both.ok());
    EXPECT_NE(both.error().message.find("HUB_DEVICES_CONFIG"), std::string::npos) << both.error().message;
    ASSERT_TRUE(only_section.ok()) << only_section.error().message;
    EXPECT_EQ(only_section->cache.agent_s, 3u);
}
