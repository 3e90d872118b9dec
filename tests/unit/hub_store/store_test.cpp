// The registry store on a real SQLite file in a temp directory.
#include <gtest/gtest.h>

#include <filesystem>

#include "store/registry_store.hpp"

using namespace cpe::hub::store;

namespace {
struct TempDb {
    TempDb() {
        std::string t = (std::filesystem::temp_directory_path() / "hub-store-XXXXXX").string();
        dir = mkdtemp(t.data());
        path = dir + "/hub.db";
    }
    ~TempDb() { std::filesystem::remove_all(dir); }
    std::string dir, path;
};
}  // namespace

TEST(HubStore, CreatesSchemaAndKeepsEndpointsAcrossReopen) {
    TempDb t;
    {
        auto s = Store::open(t.path);
        ASSERT_TRUE(s.ok()) << s.error().message;
        ASSERT_TRUE(s->mark_seen("os::A-1", 1000, true).ok());
        EndpointRecord id;
        id.endpoint_id = "os::A-1";
        id.model = "XX230v";
        id.serial = "S1";
        id.macs = "aa:bb";
        id.device_info_json = R"({"Device.DeviceInfo.":{"ModelName":"XX230v"}})";
        id.device_info_ms = 1500;
        ASSERT_TRUE(s->update_identity(id).ok());
        ASSERT_TRUE(s->mark_seen("os::A-1", 2000, true).ok());  // second sighting keeps first_seen
    }
    auto s = Store::open(t.path);
    ASSERT_TRUE(s.ok());
    auto marked = s->mark_all_offline();
    ASSERT_TRUE(marked.ok());
    EXPECT_EQ(*marked, 1);
    auto rec = s->get("os::A-1");
    ASSERT_TRUE(rec.ok());
    ASSERT_TRUE(rec->has_value());
    const auto& r = **rec;
    EXPECT_EQ(r.model, "XX230v");
    EXPECT_EQ(r.serial, "S1");
    EXPECT_EQ(r.first_seen_ms, 1000);
    EXPECT_EQ(r.last_seen_ms, 2000);
    EXPECT_FALSE(r.online);
    EXPECT_EQ(r.device_info_json, R"({"Device.DeviceInfo.":{"ModelName":"XX230v"}})");
    auto all = s->list();
    ASSERT_TRUE(all.ok());
    EXPECT_EQ(all->size(), 1u);
    auto none = s->get("os::missing");
    ASSERT_TRUE(none.ok());
    EXPECT_FALSE(none->has_value());
}

TEST(HubStore, IdentityOfAnUnknownEndpointIsAnError) {
    TempDb t;
    auto s = Store::open(t.path);
    ASSERT_TRUE(s.ok());
    EndpointRecord id;
    id.endpoint_id = "os::nobody";
    auto st = s->update_identity(id);
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.error().message.find("os::nobody"), std::string::npos);
}

TEST(HubStore, NotificationsAreBoundedPerEndpoint) {
    TempDb t;
    auto s = Store::open(t.path);
    ASSERT_TRUE(s.ok());
    ASSERT_TRUE(s->mark_seen("os::A", 1, true).ok());
    ASSERT_TRUE(s->mark_seen("os::B", 1, true).ok());
    for (int i = 0; i < 25; ++i)
        ASSERT_TRUE(
            s->add_notification({0, "os::A", i, "event", "{\"n\":" + std::to_string(i) + "}"}, 10).ok());
    ASSERT_TRUE(s->add_notification({0, "os::B", 7, "value_change", "{}"}, 10).ok());
    auto a = s->notifications("os::A", 100);
    ASSERT_TRUE(a.ok());
    ASSERT_EQ(a->size(), 10u);
    EXPECT_EQ(a->front().json, "{\"n\":24}");  // newest first
    EXPECT_EQ(a->back().json, "{\"n\":15}");
    auto b = s->notifications("os::B", 100);
    ASSERT_TRUE(b.ok());
    EXPECT_EQ(b->size(), 1u);
}

TEST(HubStore, UnopenablePathNamesTheFile) {
    auto s = Store::open("/nonexistent-dir-for-hub-test/hub.db");
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.error().message.find("/nonexistent-dir-for-hub-test/hub.db"), std::string::npos);
}

TEST(HubStore, NewerSchemaIsRefused) {
    TempDb t;
    {
        auto db = Db::open(t.path);
        ASSERT_TRUE(db.ok());
        ASSERT_TRUE(db->exec("PRAGMA user_version=99").ok());
    }
    auto s = Store::open(t.path);
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.error().message.find("schema version 99"), std::string::npos);
}

TEST(HubStore, NotificationsAreBoundedInBytesNewestKept) {
    TempDb t;
    auto s = Store::open(t.path);
    ASSERT_TRUE(s.ok());
    ASSERT_TRUE(s->mark_seen("os::A-1", 1, true).ok());
    const std::string body(100, 'x');  // 100 bytes of JSON text each
    for (int i = 0; i < 10; ++i)
        ASSERT_TRUE(s->add_notification({0, "os::A-1", i, "event", body + std::to_string(i)}, 100, 350).ok());
    auto notes = s->notifications("os::A-1", 100);
    ASSERT_TRUE(notes.ok());
    ASSERT_EQ(notes->size(), 3u);  // 3 × 101 bytes fit in 350, 4 do not
    EXPECT_EQ((*notes)[0].json, body + "9");
    EXPECT_EQ((*notes)[2].json, body + "7");
}

TEST(HubStore, NeverIdentifiedEndpointsExpire) {
    TempDb t;
    auto s = Store::open(t.path);
    ASSERT_TRUE(s.ok());
    ASSERT_TRUE(s->mark_seen("os::A-old", 1000, false).ok());    // never identified, old
    ASSERT_TRUE(s->mark_seen("os::A-new", 9000, false).ok());    // never identified, recent
    ASSERT_TRUE(s->mark_seen("os::A-known", 1000, false).ok());  // identified, old
    EndpointRecord id;
    id.endpoint_id = "os::A-known";
    id.serial = "S";
    id.device_info_ms = 1000;
    ASSERT_TRUE(s->update_identity(id).ok());
    auto gone = s->expire_unidentified(5000);
    ASSERT_TRUE(gone.ok()) << gone.error().message;
    EXPECT_EQ(*gone, 1);
    auto all = s->list();
    ASSERT_TRUE(all.ok());
    ASSERT_EQ(all->size(), 2u);
    EXPECT_EQ((*all)[0].endpoint_id, "os::A-known");
    EXPECT_EQ((*all)[1].endpoint_id, "os::A-new");
}
