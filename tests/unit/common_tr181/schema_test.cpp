#include <gtest/gtest.h>

#include "tr181/schema.hpp"

using namespace cpe::tr181;

namespace {
const char* kModel = R"(# test model
object Device.
command Device.Reboot()
event Device.Boot! Cause CommandKey
object Device.Hosts.
  param HostNumberOfEntries unsignedInt
object Device.Hosts.Host.{i}. keys=PhysAddress
  param PhysAddress string
  param Active boolean
object Device.LocalAgent.Subscription.{i}. keys=ID writable
  param Enable boolean rw
)";
}

TEST(Schema, ParsesAndAnswers) {
    auto schema = Schema::parse(kModel, "test.tr181");
    ASSERT_TRUE(schema.ok()) << schema.error().message;
    const ObjectDef* host = schema->object("Device.Hosts.Host.{i}.");
    ASSERT_NE(host, nullptr);
    EXPECT_TRUE(host->multi_instance);
    EXPECT_EQ(host->unique_keys, std::vector<std::string>{"PhysAddress"});
    EXPECT_EQ(schema->param("Device.Hosts.Host.{i}.Active")->type, Type::boolean);
    EXPECT_TRUE(schema->param("Device.LocalAgent.Subscription.{i}.Enable")->writable);
    EXPECT_TRUE(schema->check(*Path::parse("Device.Hosts.Host.")).ok());
    EXPECT_TRUE(schema->check(*Path::parse("Device.Hosts.Host.*.PhysAddress")).ok());
    EXPECT_TRUE(schema->check(*Path::parse("Device.Reboot()")).ok());
    EXPECT_TRUE(schema->check(*Path::parse("Device.Boot!")).ok());
    auto bad = schema->check(*Path::parse("Device.Hosts.Host.*.Foo"));
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().message,
              "parameter Device.Hosts.Host.*.Foo is not part of the supported data model");
    EXPECT_FALSE(schema->check(*Path::parse("Device.Nope.")).ok());
    EXPECT_FALSE(schema->check(*Path::parse("Device.FactoryReset()")).ok());
}

TEST(Schema, ErrorsGiveLineNumbers) {
    auto r = Schema::parse("object Device.\n  param X float\n", "m.tr181");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "m.tr181:2: unknown TR-181 type 'float'");
    auto r2 = Schema::parse("param X string\n", "m.tr181");
    EXPECT_EQ(r2.error().message, "m.tr181:1: param before any object");
    auto r3 = Schema::parse("object Device.Hosts\n", "m.tr181");
    EXPECT_EQ(r3.error().message, "m.tr181:1: object path must end with '.'");
}

TEST(Schema, ValidatesTrees) {
    auto schema = Schema::parse(kModel, "test.tr181");
    ASSERT_TRUE(schema.ok());
    Tree tree;
    tree.root().child("Hosts").set("HostNumberOfEntries", Value::uint32(1));
    tree.root().child("Hosts").table("Host").add(1).set("PhysAddress", Value::string("x"));
    EXPECT_TRUE(schema->validate(tree).ok());
    tree.root().child("Hosts").table("Host").add(1).set("Active", Value::string("yes"));
    tree.root().child("Hosts").set("Extra", Value::uint32(1));
    auto r = schema->validate(tree);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("2 parameter(s)"), std::string::npos);
    EXPECT_NE(r.error().message.find("Device.Hosts.Host.1.Active is string, declared boolean"),
              std::string::npos);
}
