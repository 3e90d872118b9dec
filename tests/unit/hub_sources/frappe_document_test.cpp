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
    const char* body =
        R"({"exc_type":"ValidationError","_server_messages":"[\"{\\\"message\\\": \\\"Operator must be one of =, !=\\\", \\\"title\\\": \\\"Message\\\"}\"]"})";
    auto e = parse_frappe_error(body);
    EXPECT_EQ(e.exc_type, "ValidationError");
    EXPECT_EQ(e.message, "Operator must be one of =, !=");
    Error err = frappe_status_error(417, body, std::nullopt, "Service Equipment list");
    EXPECT_EQ(err.code, Errc::invalid_argument);
    EXPECT_EQ(err.message,
              "Service Equipment list: ERPNext rejected the query (417 ValidationError): Operator must be "
              "one of =, !=");
    EXPECT_EQ(frappe_status_error(401, "{}", std::nullopt, "x").code, Errc::denied);
    EXPECT_EQ(frappe_status_error(401, R"({"exc_type":"AuthenticationError"})", std::nullopt, "x").message,
              "x: ERPNext: API key or secret rejected (401 AuthenticationError)");
    EXPECT_EQ(frappe_status_error(403, "<html>", std::nullopt, "x").code, Errc::denied);
    // A PermissionError's detail is _error_message (frappe.bold's tags removed).
    auto perm = frappe_status_error(
        403,
        R"({"exc_type":"PermissionError","_error_message":"Insufficient Permission for <strong>Customer</strong>"})",
        std::nullopt, "x");
    EXPECT_NE(perm.message.find("(403 PermissionError): Insufficient Permission for Customer"),
              std::string::npos)
        << perm.message;
    // No 404 reads as "not found" here: that is frappe_document_absent's to say.
    auto html = frappe_status_error(404, "<html><body>Not Found</body></html>", std::nullopt, "x");
    EXPECT_EQ(html.code, Errc::io_error);
    EXPECT_NE(html.message.find("without Frappe's JSON error"), std::string::npos) << html.message;
    EXPECT_EQ(frappe_status_error(404, "", std::nullopt, "x").code, Errc::io_error);
    auto rl = frappe_status_error(429, "{}", std::string("9"), "x");
    EXPECT_EQ(rl.code, Errc::unavailable);
    EXPECT_NE(rl.message.find("retry after 9 s"), std::string::npos);
    EXPECT_EQ(frappe_status_error(502, "", std::nullopt, "x").code, Errc::unavailable);
    // The status travels as the Error's detail, not only in its text.
    EXPECT_EQ(frappe_status_error(502, "", std::nullopt, "x").http_status(), 502);
    EXPECT_EQ(frappe_status_error(417, "{}", std::nullopt, "x").http_status(), 417);
    EXPECT_FALSE(frappe_status_error(417, "{}", std::nullopt, "x").usp_error().has_value());
    EXPECT_EQ(parse_frappe_error("not json").exc_type, "");
}

TEST(Frappe, OnlyDoesNotExistErrorIsAbsent) {
    const char* missing_doc =
        R"({"exc_type":"DoesNotExistError","_server_messages":"[\"{\\\"message\\\": \\\"Customer CUST-9 not found\\\"}\"]"})";
    const char* missing_type =
        R"({"exc_type":"DoesNotExistError","_server_messages":"[\"{\\\"message\\\": \\\"DocType Customer not found\\\"}\"]"})";
    EXPECT_EQ(parse_frappe_error(missing_doc).message, "Customer CUST-9 not found");
    EXPECT_TRUE(frappe_document_absent(404, missing_doc, "Customer"));
    EXPECT_FALSE(frappe_document_absent(404, missing_type, "Customer"));
    EXPECT_FALSE(frappe_document_absent(404, "<html>Not Found</html>", "Customer"));
    EXPECT_FALSE(frappe_document_absent(404, R"({"exc_type":"PermissionError"})", "Customer"));
    EXPECT_FALSE(frappe_document_absent(403, missing_doc, "Customer"));
}

TEST(Frappe, DocTypeFieldsAndFieldMap) {
    auto f = parse_frappe_doctype_fields(
        R"({"docs":[{"name":"Child","fields":[]},{"name":"Customer","fields":[{"fieldname":"customer_name"},
        {"fieldtype":"Section Break"},{"fieldname":"stripe_id","permlevel":1}]}]})",
        "Customer");
    ASSERT_TRUE(f) << f.error().message;
    EXPECT_EQ(f->size(), 2u);
    EXPECT_EQ(f->at("stripe_id"), 1);
    EXPECT_FALSE(parse_frappe_doctype_fields(R"({"docs":[]})", "Customer"));
    EXPECT_FALSE(parse_frappe_doctype_fields(R"({"message":{}})", "Customer"));

    ErpFieldMap m;
    EXPECT_TRUE(m.validate());
    EXPECT_EQ(m.equipment.query_fields().front(), "name");
    EXPECT_FALSE(m.equipment.set("no_such_key", "x"));
    ASSERT_TRUE(m.customer.set("legacy_account_id", ""));  // not read
    EXPECT_TRUE(m.validate());
    EXPECT_EQ(m.customer.query_fields(), (std::vector<std::string>{"name", "customer_name", "mobile_no"}));
    ASSERT_TRUE(m.equipment.set("mac_address", ""));
    EXPECT_EQ(m.validate().error().message,
              "erpnext.fields.equipment.mac_address: required (the lookup needs it)");
    m.equipment.set("mac_address", "mac address");
    EXPECT_NE(m.validate().error().message.find(
                  "erpnext.fields.equipment.mac_address: 'mac address' is not a fieldname"),
              std::string::npos);
    m.equipment.set("mac_address", "custom_label_mac");
    EXPECT_TRUE(m.validate());
    EXPECT_EQ(to_equipment({{"name", "E"}, {"custom_label_mac", "1c-61"}}, m.equipment).mac_address, "1c-61");
    std::map<std::string, int> present{{"customer_name", 0}, {"mobile_no", 0}};
    EXPECT_TRUE(m.customer.check_present(present));
    m.customer.set("legacy_account_id", "legacy_account_id");
    EXPECT_NE(m.customer.check_present(present).error().message.find("has no field 'legacy_account_id'"),
              std::string::npos);
}

TEST(Frappe, StoredMacAndSerialNormalised) {
    for (const char* m : {"1C:61:B4:FB:2A:C8", "1c-61-b4-fb-2a-c8", "1C61B4FB2AC8", " 1c:61:b4:fb:2a:c8 ",
                          "1C 61 B4 FB 2A C8", "1C61.B4FB.2AC8"})
        EXPECT_EQ(canonical_mac(m).value_or("?"), "1C:61:B4:FB:2A:C8") << m;
    for (const char* m : {"", "1C:61:B4:FB:2A", "1C:61:B4:FB:2A:C8:00", "1C:61:B4:FB:2A:CG", "x1C61B4FB2AC8"})
        EXPECT_FALSE(canonical_mac(m)) << m;
    EXPECT_EQ(canonical_serial(" tplg c4160688\t"), "TPLGC4160688");
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
