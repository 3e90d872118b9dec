// The shared ownership helpers: CHandle frees once (never a null handle), CStruct pairs init and free, and a
// Lifetime's guard runs only while its owner lives.
#include <gtest/gtest.h>

#include <cstdlib>
#include <functional>
#include <memory>
#include <string>

#include "util/c_handle.hpp"
#include "util/lifetime.hpp"

namespace {

int g_freed = 0;
int g_inited = 0;
struct Thing {
    int value = 0;
};
// A C library's pair: it allocates, and only its own function frees.
Thing* new_thing(int value) {
    auto* t = static_cast<Thing*>(std::malloc(sizeof(Thing)));
    t->value = value;
    return t;
}
void free_thing(Thing* t) {
    ++g_freed;
    std::free(t);
}
void init_ctx(int* v) {
    ++g_inited;
    *v = 42;
}
void free_ctx(int* v) {
    ++g_freed;
    *v = 0;
}

}  // namespace

TEST(CHandle, FreesOnceAndNeverANullHandle) {
    g_freed = 0;
    {
        cpe::CHandle<Thing, free_thing> none;
        cpe::CHandle<Thing, free_thing> one(new_thing(7));
        EXPECT_EQ(one->value, 7);
        cpe::CHandle<Thing, free_thing> moved = std::move(one);
        EXPECT_EQ(one, nullptr);
    }
    EXPECT_EQ(g_freed, 1);
}

TEST(CStruct, InitOnConstructionFreeOnDestruction) {
    g_freed = 0;
    g_inited = 0;
    {
        cpe::CStruct<int, init_ctx, free_ctx> ctx;
        EXPECT_EQ(g_inited, 1);
        EXPECT_EQ(*ctx.get(), 42);
        EXPECT_EQ(g_freed, 0);
    }
    EXPECT_EQ(g_freed, 1);
}

TEST(Lifetime, GuardRunsOnlyWhileTheOwnerLives) {
    std::function<void(int, const std::string&)> later;
    std::function<void()> plain;
    int sum = 0;
    std::string seen;
    {
        cpe::Lifetime life;
        later = life.guard([&](int n, const std::string& s) {
            sum += n;
            seen = s;
        });
        plain = life.guard([&] { ++sum; });
        later(2, "alive");
        plain();
        EXPECT_EQ(sum, 3);
        EXPECT_EQ(seen, "alive");
        EXPECT_FALSE(life.token().expired());
    }
    later(40, "gone");
    plain();
    EXPECT_EQ(sum, 3);
    EXPECT_EQ(seen, "alive");
}

TEST(Lifetime, GuardTakesMutableFunctionsAndIsCallableConst) {
    cpe::Lifetime life;
    // A mutable function that moves its capture out (as a posted completion does).
    std::string got;
    auto once = life.guard([s = std::string("payload"), &got]() mutable { got = std::move(s); });
    once();
    EXPECT_EQ(got, "payload");
    // A const wrapper of a const function (a callback kept in a const member).
    int calls = 0;
    const auto kept = life.guard([&calls](int n) { calls += n; });
    kept(2);
    EXPECT_EQ(calls, 2);
}
