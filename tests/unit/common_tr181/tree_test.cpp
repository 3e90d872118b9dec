#include <gtest/gtest.h>

#include "tr181/tree.hpp"

using namespace cpe::tr181;

namespace {
Tree sample() {
    Tree tree;
    Object& info = tree.root().child("DeviceInfo");
    info.set("ModelName", Value::string("XX230v"));
    info.set("UpTime", Value::uint32(3600));
    Object& hosts = tree.root().child("Hosts");
    hosts.set("HostNumberOfEntries", Value::uint32(2));
    Table& host = hosts.table("Host");
    host.add(1).set("PhysAddress", Value::string("aa:aa:aa:aa:aa:01"));
    Object& h5 = host.add(5);
    h5.set("PhysAddress", Value::string("aa:aa:aa:aa:aa:05"));
    h5.set("Active", Value::boolean(true));
    h5.table("IPv4Address").add(1).set("IPAddress", Value::string("192.168.1.105"));
    return tree;
}

std::vector<std::string> paths(const std::vector<ParamEntry>& entries) {
    std::vector<std::string> out;
    for (const auto& e : entries) out.push_back(e.path + "=" + e.value->to_string());
    return out;
}
}  // namespace

TEST(Tree, GetFullPartialWildcard) {
    Tree tree = sample();
    auto one = tree.get(*Path::parse("Device.DeviceInfo.UpTime"));
    ASSERT_TRUE(one.ok());
    EXPECT_EQ(paths(*one), std::vector<std::string>{"Device.DeviceInfo.UpTime=3600"});

    auto partial = tree.get(*Path::parse("Device.Hosts."));
    ASSERT_TRUE(partial.ok());
    EXPECT_EQ(paths(*partial), (std::vector<std::string>{
                                   "Device.Hosts.HostNumberOfEntries=2",
                                   "Device.Hosts.Host.1.PhysAddress=aa:aa:aa:aa:aa:01",
                                   "Device.Hosts.Host.5.Active=true",
                                   "Device.Hosts.Host.5.PhysAddress=aa:aa:aa:aa:aa:05",
                                   "Device.Hosts.Host.5.IPv4Address.1.IPAddress=192.168.1.105",
                               }));

    auto wild = tree.get(*Path::parse("Device.Hosts.Host.*.PhysAddress"));
    ASSERT_TRUE(wild.ok());
    EXPECT_EQ(paths(*wild), (std::vector<std::string>{"Device.Hosts.Host.1.PhysAddress=aa:aa:aa:aa:aa:01",
                                                      "Device.Hosts.Host.5.PhysAddress=aa:aa:aa:aa:aa:05"}));
    // A wildcard that matches a parameter only some instances have is not an error.
    auto some = tree.get(*Path::parse("Device.Hosts.Host.*.Active"));
    ASSERT_TRUE(some.ok());
    EXPECT_EQ(some->size(), 1u);

    auto table = tree.get(*Path::parse("Device.Hosts.Host."));
    ASSERT_TRUE(table.ok());
    EXPECT_EQ(table->size(), 4u);
}

TEST(Tree, MaxDepth) {
    Tree tree = sample();
    auto d1 = tree.get(*Path::parse("Device.Hosts."), 1);
    ASSERT_TRUE(d1.ok());
    EXPECT_EQ(paths(*d1), std::vector<std::string>{"Device.Hosts.HostNumberOfEntries=2"});
    auto d2 = tree.get(*Path::parse("Device.Hosts."), 2);
    ASSERT_TRUE(d2.ok());
    EXPECT_EQ(d2->size(), 4u);  // Host.{i} parameters, not IPv4Address below them
    auto all = tree.get(*Path::parse("Device."));
    ASSERT_TRUE(all.ok());
    EXPECT_EQ(all->size(), 7u);
}

TEST(Tree, MissingThingsAreNamed) {
    Tree tree = sample();
    auto no_obj = tree.get(*Path::parse("Device.Hosts.Hots."));
    ASSERT_FALSE(no_obj.ok());
    EXPECT_EQ(no_obj.error().code, cpe::Errc::not_found);
    EXPECT_EQ(no_obj.error().message, "object Device.Hosts.Hots. does not exist");
    auto no_inst = tree.get(*Path::parse("Device.Hosts.Host.2.PhysAddress"));
    ASSERT_FALSE(no_inst.ok());
    EXPECT_EQ(no_inst.error().message, "object Device.Hosts.Host.2. does not exist");
    auto no_param = tree.get(*Path::parse("Device.DeviceInfo.Uptime"));
    ASSERT_FALSE(no_param.ok());
    EXPECT_EQ(no_param.error().message, "parameter Device.DeviceInfo.Uptime does not exist");
    // A missing object carries its USP code (object does not exist) as the Error's detail; a parameter does
    // not.
    EXPECT_EQ(no_obj.error().usp_error(), 7016u);
    EXPECT_EQ(no_inst.error().usp_error(), 7016u);
    EXPECT_FALSE(no_param.error().usp_error().has_value());
    EXPECT_EQ(no_inst.error().with_context("get").usp_error(), 7016u);
    auto object_as_param = tree.get(*Path::parse("Device.Hosts"));
    ASSERT_FALSE(object_as_param.ok());
    EXPECT_NE(object_as_param.error().message.find("end it with '.'"), std::string::npos);
    auto table_needs_instance = tree.get(*Path::parse("Device.Hosts.Host.PhysAddress"));
    ASSERT_FALSE(table_needs_instance.ok());
    EXPECT_NE(table_needs_instance.error().message.find("expected an instance number"), std::string::npos);
}

TEST(Tree, Instances) {
    Tree tree = sample();
    auto first = tree.instances(*Path::parse("Device.Hosts."), true);
    ASSERT_TRUE(first.ok());
    ASSERT_EQ(first->size(), 2u);
    EXPECT_EQ((*first)[0].path, "Device.Hosts.Host.1.");
    EXPECT_EQ((*first)[1].path, "Device.Hosts.Host.5.");
    auto all = tree.instances(*Path::parse("Device.Hosts."), false);
    ASSERT_TRUE(all.ok());
    ASSERT_EQ(all->size(), 3u);
    EXPECT_EQ((*all)[2].path, "Device.Hosts.Host.5.IPv4Address.1.");
    auto objs = tree.resolve_objects(*Path::parse("Device.Hosts.Host.*."));
    ASSERT_TRUE(objs.ok());
    EXPECT_EQ(objs->size(), 2u);
}
