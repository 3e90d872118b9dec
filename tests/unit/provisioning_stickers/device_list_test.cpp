// cpe-stickers' input: the MAC normaliser, the CSV reader's errors, the hub URL and the layouts.
#include <gtest/gtest.h>

#include <string>

#include "device_list.hpp"
#include "layout.hpp"

namespace cpe::stickers {
namespace {

std::string norm(const char* text) {
    auto mac = parse_mac(text);
    return mac ? mac_url_form(*mac) : "error: " + mac.error().message;
}

TEST(ParseMac, EveryCommonNotationGivesTheSameAddress) {
    for (const char* text :
         {"1c:61:b4:fb:2a:c8", "1C:61:B4:FB:2A:C8", "1c-61-b4-fb-2a-c8", "1c61.b4fb.2ac8", "1C61-B4FB-2AC8",
          "1c61b4-fb2ac8", "1c61b4:fb2ac8", "1c61b4fb2ac8", "1C61B4FB2AC8", "  1c:61:b4:fb:2a:c8\t"}) {
        EXPECT_EQ(norm(text), "1c61b4fb2ac8") << text;
    }
    EXPECT_EQ(norm("0:1:2:a:b:c"), "0001020a0b0c");  // leading zeros dropped, as BSD arp prints
    EXPECT_EQ(parse_mac("1c61b4fb2ac8")->str(), "1c:61:b4:fb:2a:c8");
}

TEST(ParseMac, ErrorsSayWhatWasWrong) {
    EXPECT_EQ(norm(""), "error: empty MAC address");
    EXPECT_NE(norm("1c:61:b4:fb:2a").find("10 hex digits in groups of 2,2,2,2,2"), std::string::npos);
    EXPECT_NE(norm("1c61b4fb2a").find("10 hex digits where a MAC has 12"), std::string::npos);
    EXPECT_NE(norm("1c61b4fb2ac8aa").find("14 hex digits"), std::string::npos);
    EXPECT_NE(norm("1g:61:b4:fb:2a:c8").find("'g' is neither a hex digit nor a separator"),
              std::string::npos);
    EXPECT_NE(norm("1c:61-b4:fb:2a:c8").find("mixes the separators ':' and '-'"), std::string::npos);
    EXPECT_NE(norm("1c::61:b4:fb:2a").find("groups of"), std::string::npos);
    EXPECT_NE(norm("1c:61:b4:fb:2a:c8:"), norm("1c:61:b4:fb:2a:c8"));
    EXPECT_NE(norm("1c6.1b4f.b2ac8").find("groups of 3,4,5"), std::string::npos);
    EXPECT_NE(norm("1c:61:b4:fb:2a:c\x01").find("\\x01"), std::string::npos);
    EXPECT_NE(norm("00:00:00:00:00:00").find("all-zero"), std::string::npos);
    EXPECT_NE(norm("ff:ff:ff:ff:ff:ff").find("broadcast"), std::string::npos);
    EXPECT_NE(norm("01:00:5e:00:00:01").find("multicast"), std::string::npos);
}

TEST(HubUrl, AcceptsBaseUrlsAndRefusesTheRest) {
    EXPECT_EQ(*parse_hub_url("https://hub.example.net"), "https://hub.example.net");
    EXPECT_EQ(*parse_hub_url("https://hub.example.net/"), "https://hub.example.net");
    EXPECT_EQ(*parse_hub_url("http://10.0.0.1:3300/cpe/"), "http://10.0.0.1:3300/cpe");
    EXPECT_EQ(*parse_hub_url("https://[2001:db8::1]:8443"), "https://[2001:db8::1]:8443");
    EXPECT_EQ(sticker_url("https://h", *parse_mac("1C-61-B4-FB-2A-C8")), "https://h/q/1c61b4fb2ac8");
    for (auto [url, why] : {std::pair{"hub.example.net", "must start with https://"},
                            {"ftp://hub", "must start with https://"},
                            {"https://", "has no host"},
                            {"https:///q", "has no host"},
                            {"https://hub/?a=b", "query"},
                            {"https://hub/#x", "fragment"},
                            {"https://user@hub", "user info"},
                            {"https://hub name", "space"},
                            {"https://hub_1", "letters, digits"},
                            {"https://hub:0", "port"},
                            {"https://hub:70000", "port"},
                            {"https://hub:", "empty port"},
                            {"https://[::1", "']'"}}) {
        auto r = parse_hub_url(url);
        ASSERT_FALSE(r) << url;
        EXPECT_NE(r.error().message.find(why), std::string::npos) << url << " → " << r.error().message;
    }
}

DeviceList csv(const std::string& text) {
    return parse_device_csv(text, "d.csv");
}

TEST(DeviceCsv, ReadsRowsInAnyColumnOrderWithQuotesAndCrlf) {
    auto l =
        csv("\xEF\xBB\xBFMAC,Site,Serial\r\n1C-61-B4-FB-2A-C8,\"Paris, 3e\",\"SN \"\"1\"\"\"\r\n\r\n"
            "aabb.ccdd.ee00,x,SN2\n,,\n");
    EXPECT_TRUE(l.errors.empty()) << l.errors.front();
    ASSERT_EQ(l.devices.size(), 2u);
    EXPECT_EQ(l.devices[0].serial, "SN \"1\"");
    EXPECT_EQ(mac_url_form(l.devices[0].mac), "1c61b4fb2ac8");
    EXPECT_EQ(l.devices[0].line, 2u);
    EXPECT_EQ(l.devices[1].serial, "SN2");
    EXPECT_EQ(l.devices[1].line, 4u);
}

TEST(DeviceCsv, QuotedLineBreaksKeepLineNumbersRight) {
    auto l = csv("serial,mac\n\"A\nB\",1c:61:b4:00:00:01\nC,bad\n\"D,E\",1c:61:b4:00:00:02\n");
    ASSERT_EQ(l.errors.size(), 2u);
    EXPECT_EQ(l.errors[0].rfind("d.csv:2: serial 'A\\x0aB' holds a control", 0), 0u) << l.errors[0];
    EXPECT_EQ(l.errors[1].rfind("d.csv:4: invalid MAC 'bad'", 0), 0u) << l.errors[1];
    ASSERT_EQ(l.devices.size(), 1u);
    EXPECT_EQ(l.devices[0].serial, "D,E");
    EXPECT_EQ(l.devices[0].line, 5u);
}

TEST(DeviceCsv, EachBadRowIsNamedAndTheGoodOnesKept) {
    auto l =
        csv("serial,mac\n"
            "S1,1c:61:b4:00:00:01\n"  // 2 good
            "S2\n"                    // 3 no mac field
            "S3,1c:61:b4:00:00\n"     // 4 short MAC
            ",1c:61:b4:00:00:05\n"    // 5 empty serial
            "S6,1C61B4000001\n"       // 6 duplicate MAC
            "S1,1c:61:b4:00:00:07\n"  // 7 duplicate serial
            "S\x01"
            "8,1c:61:b4:00:00:08\n"       // 8 control character
            "\"S9,1c:61:b4:00:00:09\n");  // 9 unterminated quote
    ASSERT_EQ(l.devices.size(), 1u);
    ASSERT_EQ(l.errors.size(), 7u);
    EXPECT_EQ(l.errors[0], "d.csv:3: no mac field (the row has 1 field, the header 2)");
    EXPECT_EQ(l.errors[1].rfind("d.csv:4: invalid MAC '1c:61:b4:00:00'", 0), 0u) << l.errors[1];
    EXPECT_EQ(l.errors[2], "d.csv:5: empty serial");
    EXPECT_EQ(l.errors[3], "d.csv:6: MAC 1c:61:b4:00:00:01 is already on line 2");
    EXPECT_EQ(l.errors[4], "d.csv:7: serial 'S1' is already on line 2");
    EXPECT_NE(
        l.errors[5].find("d.csv:8: serial 'S\\x018' holds a control or non-ASCII character at position 2"),
        std::string::npos)
        << l.errors[5];
    EXPECT_EQ(l.errors[6], "d.csv:9: a quoted field is not closed before the end of the file");
}

TEST(DeviceCsv, HeaderProblems) {
    EXPECT_EQ(csv("").errors.at(0),
              "d.csv:1: no header: the file is empty (expected a first line naming the "
              "columns: serial,mac)");
    EXPECT_EQ(csv("1c:61:b4:00:00:01,S1\n").errors.at(0),
              "d.csv:1: no header: the first line must name the columns (serial,mac), it holds a MAC");
    EXPECT_EQ(csv("serial,address\nS,1c:61:b4:00:00:01\n").errors.at(0),
              "d.csv:1: the header has no 'mac' column (expected the columns serial,mac)");
    EXPECT_EQ(csv("mac,serial,MAC\n").errors.at(0), "d.csv:1: the header names the column 'mac' twice");
    EXPECT_TRUE(csv("serial,mac\n").devices.empty());
    EXPECT_TRUE(csv("serial,mac\n").errors.empty());
}

TEST(DeviceCsv, LimitsBoundTheWork) {
    std::string text = "serial,mac\n";
    for (int i = 0; i < 12; ++i) text += "S" + std::to_string(i) + ",bad\n";
    auto l = parse_device_csv(text, "d.csv", CsvLimits{.max_rows = 100, .max_errors = 5});
    EXPECT_EQ(l.errors.size(), 5u);
    EXPECT_EQ(l.errors_not_listed, 7u);
    auto capped = parse_device_csv("serial,mac\nA,1c:61:b4:00:00:01\nB,1c:61:b4:00:00:02\n", "d.csv",
                                   CsvLimits{.max_rows = 1});
    ASSERT_EQ(capped.errors.size(), 1u);
    EXPECT_EQ(capped.errors[0], "d.csv:3: more than 1 devices in one run");
    auto longs = parse_device_csv("serial,mac\n" + std::string(65, 'x') + ",1c:61:b4:00:00:01\n", "d.csv");
    EXPECT_NE(longs.errors.at(0).find("is 65 characters long (at most 64)"), std::string::npos);
}

TEST(Layouts, BuiltInLayoutsMatchTheirLabelStock) {
    const auto& all = builtin_layouts();
    const Layout* letter = nullptr;
    const Layout* a4 = nullptr;
    for (const auto& l : all) {
        if (l.name == "avery-5160") letter = &l;
        if (l.name == "a4-21") a4 = &l;
    }
    ASSERT_TRUE(letter && a4);
    EXPECT_EQ(letter->per_page(), 30);
    EXPECT_NEAR(letter->page_w, 612, 0.01);   // 8.5 in
    EXPECT_NEAR(letter->label_w, 189, 0.01);  // 2 5/8 in
    EXPECT_NEAR(letter->label_h, 72, 0.01);
    EXPECT_EQ(a4->per_page(), 21);
    EXPECT_NEAR(a4->page_h, 297 * 72 / 25.4, 0.01);
    EXPECT_NEAR(a4->label_w, 63.5 * 72 / 25.4, 0.01);
    EXPECT_NEAR(a4->label_h, 38.1 * 72 / 25.4, 0.01);
    // symmetric sheets: the last label ends as far from the right edge as the first starts from the left
    for (const Layout* l : {letter, a4}) {
        double right = l->page_w - (l->label_x(l->per_page() - 1) + l->label_w);
        EXPECT_NEAR(right, l->margin_left, 0.01) << l->name;
    }
}

TEST(Layouts, ErrorsNameTheLayoutAndKey) {
    auto one = [](const std::string& body) {
        auto r = parse_layouts(R"({"layouts":[{"name":"x","unit":"mm","page":[100,100],"label":[40,20],)"
                               R"("grid":[2,4],"margin":[5,5],"pitch":[45,20])" +
                                   body + "}]}",
                               "l.json");
        return r ? std::string("ok") : r.error().message;
    };
    EXPECT_EQ(one(""), "ok");
    EXPECT_EQ(one(R"(,"padding":25)"), "l.json: layouts[0] (x).padding: leaves no room on the label");
    EXPECT_EQ(one(R"(,"text":"above")"), "l.json: layouts[0] (x).text: 'above' is neither below nor right");
    EXPECT_EQ(one(R"(,"font_pt":1)"), "l.json: layouts[0] (x).font_pt: must be 3-72");
    auto wide = parse_layouts(R"({"layouts":[{"name":"w","unit":"mm","page":[100,100],"label":[40,20],)"
                              R"("grid":[3,4],"margin":[5,5],"pitch":[45,20]}]})",
                              "l.json");
    ASSERT_FALSE(wide);
    EXPECT_EQ(wide.error().message,
              "l.json: layouts[0] (w).grid: the last column ends at 135 mm, past the page width 100");
    auto overlap = parse_layouts(R"({"layouts":[{"name":"o","unit":"in","page":[8.5,11],"label":[3,1],)"
                                 R"("grid":[2,2],"margin":[0,0],"pitch":[2,1]}]})",
                                 "l.json");
    ASSERT_FALSE(overlap);
    EXPECT_EQ(overlap.error().message, "l.json: layouts[0] (o).pitch: x is smaller than the label width");
    EXPECT_EQ(parse_layouts(R"({"layouts":[{"name":"Bad Name"}]})", "l.json").error().message,
              "l.json: layouts[0].name: 'Bad Name' must be 1-40 of a-z, 0-9 and '-'");
    EXPECT_EQ(parse_layouts(R"({"layouts":[{"name":"x","unit":"cm"}]})", "l.json").error().message,
              "l.json: layouts[0] (x).unit: 'cm' is neither mm nor in");
    EXPECT_EQ(parse_layouts(R"({"layouts":[]})", "l.json").error().message,
              "l.json: the \"layouts\" list is empty");
    EXPECT_FALSE(parse_layouts("{", "l.json"));
}

}  // namespace
}  // namespace cpe::stickers
