// The firmware route's checks and the parsers of GenieACS's /files and /operations answers
// (genieacs_files.hpp).
#include <gtest/gtest.h>

#include <string>

#include "sources/genieacs_files.hpp"

namespace cpe::hub::sources {
namespace {

std::string message(const Status& s) {
    return s ? std::string() : s.error().message;
}

TEST(GenieFiles, FileNames) {
    EXPECT_TRUE(validate_file_name("xx230v-1.2.0_b2.bin"));
    EXPECT_NE(message(validate_file_name("")).find("empty"), std::string::npos);
    EXPECT_NE(message(validate_file_name(".hidden")).find("'.'"), std::string::npos);
    EXPECT_NE(message(validate_file_name("../etc/passwd")).find("'.'"), std::string::npos);
    EXPECT_NE(message(validate_file_name("a/b")).find("character 1"), std::string::npos);
    EXPECT_NE(message(validate_file_name("a b")).find("character 1"), std::string::npos);
    EXPECT_NE(message(validate_file_name(std::string(129, 'a'))).find("129 characters"), std::string::npos);
}

TEST(GenieFiles, MetadataNamesTheBadField) {
    FileMeta m;
    m.version = "1.2.0";
    m.oui = "1C61B4";
    m.product_class = "Device2";
    EXPECT_TRUE(validate_file_meta(m));
    FileMeta v = m;
    v.version.clear();
    EXPECT_EQ(message(validate_file_meta(v)), "version: missing");
    FileMeta t = m;
    t.file_type = "Firmware";
    EXPECT_NE(message(validate_file_meta(t)).find("file_type"), std::string::npos);
    FileMeta o = m;
    o.oui = "1C61B";
    EXPECT_NE(message(validate_file_meta(o)).find("oui"), std::string::npos);
    FileMeta p = m;
    p.product_class = "W5 2100G";
    EXPECT_NE(message(validate_file_meta(p)).find("product_class"), std::string::npos);
    FileMeta c = m;
    c.version = "1.0\n";
    EXPECT_NE(message(validate_file_meta(c)).find("printable"), std::string::npos);
    FileMeta any = m;
    any.oui.clear();
    any.product_class.clear();
    EXPECT_TRUE(validate_file_meta(any));
}

TEST(GenieFiles, FileList) {
    auto l = parse_file_list(R"([
{"_id":"fw.bin","length":1000,"chunkSize":261120,"uploadDate":"2026-12-06T23:00:00.000Z","filename":"fw.bin",
 "metadata":{"fileType":"1 Firmware Upgrade Image","oui":"1C61B4","productClass":"Device2","version":"1.2.0"}},
{"_id":"old.bin","filename":"old.bin"}
])");
    ASSERT_TRUE(l) << l.error().message;
    ASSERT_EQ(l->size(), 2u);
    EXPECT_EQ((*l)[0].name, "fw.bin");
    EXPECT_EQ((*l)[0].length, 1000);
    EXPECT_EQ((*l)[0].meta.file_type, "1 Firmware Upgrade Image");
    EXPECT_EQ((*l)[0].meta.oui, "1C61B4");
    EXPECT_EQ((*l)[0].meta.product_class, "Device2");
    EXPECT_EQ((*l)[0].meta.version, "1.2.0");
    EXPECT_EQ((*l)[1].length, -1);
    EXPECT_EQ((*l)[1].meta.file_type, "");
    EXPECT_TRUE(parse_file_list("[\n\n]") && parse_file_list("[]")->empty());
    EXPECT_FALSE(parse_file_list("{}"));
    EXPECT_FALSE(parse_file_list("[5]"));
    EXPECT_FALSE(parse_file_list(R"([{"_id":5}])"));
    EXPECT_FALSE(parse_file_list("[{\"_id\":\"a\""));
}

TEST(GenieFiles, OperationCount) {
    EXPECT_EQ(*parse_operation_count(R"([{"_id":"d:1","name":"Download","channels":"{\"task_1\":1}"}])"), 1u);
    EXPECT_EQ(*parse_operation_count("[]"), 0u);
    EXPECT_FALSE(parse_operation_count("[1]"));
    EXPECT_FALSE(parse_operation_count("null"));
}

}  // namespace
}  // namespace cpe::hub::sources
