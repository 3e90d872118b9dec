#include "diagnostics/store.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace cpe::hub::diagnostics {
namespace {

struct TempFile {
    std::string dir;
    TempFile() {
        char t[] = "/tmp/diagstoreXXXXXX";
        dir = mkdtemp(t);
    }
    ~TempFile() { std::system(("rm -rf '" + dir + "'").c_str()); }
    std::string path() const { return dir + "/hub.db"; }
};

TEST(DiagnosticsStore, KeepsTheNewestPerDevice) {
    TempFile f;
    auto s = DiagnosticsStore::open(f.path(), 3);
    ASSERT_TRUE(s) << s.error().message;
    for (int i = 1; i <= 5; ++i)
        ASSERT_TRUE(
            s->put({"d" + std::to_string(i), "dev-a", "ping", "complete", i * 1000, i * 1000 + 1, "{}"}));
    ASSERT_TRUE(s->put({"x1", "dev-b", "ping", "complete", 1, 2, "{\"b\":1}"}));
    auto a = s->list("dev-a", 10);
    ASSERT_TRUE(a);
    ASSERT_EQ(a->size(), 3u);
    EXPECT_EQ((*a)[0].id, "d5");
    EXPECT_EQ((*a)[2].id, "d3");
    auto gone = s->get("dev-a", "d1");
    ASSERT_TRUE(gone);
    EXPECT_FALSE(*gone);
    auto b = s->get("dev-b", "x1");
    ASSERT_TRUE(b && *b);
    EXPECT_EQ((*b)->json, "{\"b\":1}");
    auto other = s->get("dev-a", "x1");  // ids are looked up with their device
    ASSERT_TRUE(other);
    EXPECT_FALSE(*other);
}

TEST(DiagnosticsStore, RunningRowsAreFailedAtTheNextOpen) {
    TempFile f;
    {
        auto s = DiagnosticsStore::open(f.path());
        ASSERT_TRUE(s);
        ASSERT_TRUE(s->put({"d1", "dev", "ping", "running", 1, 0, "{\"status\":\"running\"}"}));
        ASSERT_TRUE(s->put({"d2", "dev", "ping", "complete", 2, 3, "{}"}));
    }
    auto s = DiagnosticsStore::open(f.path());
    ASSERT_TRUE(s);
    EXPECT_EQ(s->interrupted(), 1);
    auto d1 = s->get("dev", "d1");
    ASSERT_TRUE(d1 && *d1);
    EXPECT_EQ((*d1)->status, "failed");
    auto d2 = s->get("dev", "d2");
    ASSERT_TRUE(d2 && *d2);
    EXPECT_EQ((*d2)->status, "complete");
}

}  // namespace
}  // namespace cpe::hub::diagnostics
