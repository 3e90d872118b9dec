#include <gtest/gtest.h>

#include "sources/frappe_document.hpp"

namespace cpe::hub::sources {
namespace {

TEST(Frappe, ParsesListAndDoc) {
    auto l = parse_frappe_list(R"({"data":[{"name":"EQP-00001","vlan":101,"ip_address":null,"active":true,
        "items":[1]},{"name":"EQP-00002"}]})");
    ASSERT_TRUE(l) << l.error().message;
    ASSERT_EQ(l->size(), 2u);
    EXPECT_EQ((*l)[0].at("vlan"), "101");
    EXPECT_EQ((*l)[0].at("ip_address"), "");
    EXPECT_EQ((*l)[0].at("active"), "1");
    EXPECT_EQ((*l)[0].count("items"), 0u);
    auto d = parse_frappe_doc(R"({"data":{"name":"LOC-00001","olt_port":"1/2/3","customer":"CUST-00001"}})");
    ASSERT_TRUE(d);
    EXPECT_EQ(to_location(*d).olt_port, "1/2/3");
    EXPECT_FALSE(parse_frappe_list(R"({"message":[]})"));
    auto noname = parse_frappe_list(R"({"data":[{"customer":"x"}]})");
    ASSERT_FALSE(noname);
    EXPECT_NE(noname.error().message.find("data[0]: a record without 'name'"), std::string::npos);
    FrappeLimits lim;
    lim.max_rows = 1;
    EXPECT_FALSE(parse_frappe_list(R"({"data":[{"name":"a"},{"name":"b"}]})", lim));
}

TEST(Frappe, ErrorBodies) {
    // _server_messages: a string holding a JSON array of JSON strings
    const char* body = R"({"exc_type":"ValidationError","_server_messages":"[\"{\\\"message\\\": \\\"Operator must be one of =, !=\\\", \\\"title\\\": \\\"Message\\\"}\"]"})";
    auto e = parse_frappe_error(body);
    EXPECT_EQ(e.exc_type, "ValidationError");
    EXPECT_EQ(e.message, "Operator must be one of =, !=");
    Error err = frappe_status_error(417, body, std::nullopt, "Service Equipment list");
    EXPECT_EQ(err.code, Errc::invalid_argument);
    EXPECT_EQ(err.message, "Service Equipment list: ERPNext rejected the query (417 ValidationError): Operator must be one of =, !=");
    EXPECT_EQ(frappe_status_error(401, "{}", std::nullopt, "x").code, Errc::denied);
    EXPECT_EQ(frappe_status_error(403, "<html>", std::nullopt, "x").code, Errc::denied);
    EXPECT_EQ(frappe_status_error(404, "", std::nullopt, "x").code, Errc::not_found);
    auto rl = frappe_status_error(429, "{}", std::string("9"), "x");
    EXPECT_EQ(rl.code, Errc::unavailable);
    EXPECT_NE(rl.message.find("retry after 9 s"), std::string::npos);
    EXPECT_EQ(frappe_status_error(502, "", std::nullopt, "x").code, Errc::unavailable);
    EXPECT_EQ(parse_frappe_error("not json").exc_type, "");
}

TEST(Frappe, FiltersAreJsonValues) {
    FrappeFilters f;
    f.add("serial_number", "=", "TPLG\"],[\"x").add_in("mac_address", {"AA:BB", "aa:bb"});
    ASSERT_TRUE(f.status());
    EXPECT_EQ(f.json(), R"([["serial_number","=","TPLG\"],[\"x"],["mac_address","in",["AA:BB","aa:bb"]]])");
    FrappeFilters bad;
    bad.add("serial_number", "~", "x");
    ASSERT_FALSE(bad.status());
    EXPECT_NE(bad.status().error().message.find("unknown operator '~'"), std::string::npos);
    FrappeFilters badf;
    badf.add("serial number", "=", "x");
    EXPECT_FALSE(badf.status());
    EXPECT_TRUE(FrappeFilters().empty());
}

}  // namespace
}  // namespace cpe::hub::sources
