// cpe-stickers' drawing side: the QR symbol's parameters, output naming, and that a failed run leaves no
// file.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "qr.hpp"
#include "sheet.hpp"

namespace cpe::stickers {
namespace {

namespace fs = std::filesystem;

TEST(QrCode, LevelMSmallestVersion) {
    // 38 bytes: version 3 holds at most 42 bytes at level M, version 2 only 26 (ISO/IEC 18004 capacity table)
    auto qr = QrCode::encode("https://hub.example.net/q/1c61b4fb2ac8");
    ASSERT_TRUE(qr);
    EXPECT_EQ(qr->version(), 3);
    EXPECT_EQ(qr->width(), 29);
    // a finder pattern's corner module is dark, the separator next to it light
    EXPECT_TRUE(qr->dark(0, 0));
    EXPECT_FALSE(qr->dark(7, 0));
    auto longer = QrCode::encode(std::string(43, 'a'));
    ASSERT_TRUE(longer);
    EXPECT_EQ(longer->version(), 4);
    EXPECT_FALSE(QrCode::encode(""));
    auto huge = QrCode::encode(std::string(3000, 'a'));
    ASSERT_FALSE(huge);
    EXPECT_EQ(huge.error().code, Errc::too_large);
}

TEST(Format, FromTheExtension) {
    EXPECT_EQ(*format_of("a/sheet.PDF"), Format::pdf);
    EXPECT_EQ(*format_of("sheet.svg"), Format::svg);
    EXPECT_EQ(format_of("sheet.png").error().message,
              "output 'sheet.png': the name must end in .pdf or .svg (not .png)");
    EXPECT_EQ(format_of("dir.pdf/sheet").error().message,
              "output 'dir.pdf/sheet': the name must end in .pdf or .svg");
}

class Sheets : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("stickers-test-" + std::to_string(::getpid()));
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    SheetRequest request(int n, const std::string& layout, const std::string& file) {
        SheetRequest r;
        for (int i = 0; i < n; ++i) {
            MacAddress mac;
            mac.bytes = {0x1c, 0x61, 0xb4, 0, static_cast<uint8_t>(i >> 8), static_cast<uint8_t>(i)};
            const size_t line = static_cast<size_t>(i + 2);
            r.devices.push_back(Device{"SN" + std::to_string(i), mac, line, "t.csv:" + std::to_string(line)});
        }
        for (const auto& l : builtin_layouts()) {
            if (l.name == layout) r.layout = l;
        }
        r.hub = "https://hub.example.net";
        r.output = (dir_ / file).string();
        auto f = format_of(r.output);
        r.format = f ? *f : Format::pdf;
        return r;
    }
    std::vector<std::string> files() const {
        std::vector<std::string> out;
        for (const auto& e : fs::directory_iterator(dir_)) out.push_back(e.path().filename().string());
        std::sort(out.begin(), out.end());
        return out;
    }
    fs::path dir_;
};

TEST_F(Sheets, PdfHasOnePagePerSheetfulAndNoTemporaryFile) {
    auto res = render_sheets(request(22, "a4-21", "s.pdf"));
    ASSERT_TRUE(res) << res.error().message;
    EXPECT_EQ(res->pages, 2);
    EXPECT_EQ(files(), std::vector<std::string>{"s.pdf"});
    std::ifstream in(dir_ / "s.pdf", std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    EXPECT_EQ(ss.str().rfind("%PDF-", 0), 0u);
    EXPECT_NE(ss.str().find("/Count 2"), std::string::npos);  // the page tree holds two pages
}

TEST_F(Sheets, SvgWritesOneFilePerPage) {
    auto one = render_sheets(request(21, "a4-21", "one.svg"));
    ASSERT_TRUE(one);
    EXPECT_EQ(one->files, std::vector<std::string>{(dir_ / "one.svg").string()});
    auto req = request(5, "a4-21", "two.svg");
    req.skip = 20;
    auto two = render_sheets(req);
    ASSERT_TRUE(two);
    EXPECT_EQ(two->pages, 2);
    EXPECT_EQ(files(), (std::vector<std::string>{"one.svg", "two-1.svg", "two-2.svg"}));
}

TEST_F(Sheets, FailuresLeaveNothingBehind) {
    auto bad_skip = request(3, "avery-5160", "s.pdf");
    bad_skip.skip = 30;
    EXPECT_EQ(render_sheets(bad_skip).error().message,
              "skip 30: layout avery-5160 has 30 labels a page (0-29)");
    // a hub URL too long for a 1-inch label: modules below 0.25 mm
    auto long_hub = request(3, "avery-5160", "s.pdf");
    long_hub.hub = "https://" + std::string(200, 'h') + ".example.net";
    auto r = render_sheets(long_hub);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("the hub URL is too long for this label size"), std::string::npos)
        << r.error().message;
    auto nowhere = request(3, "a4-21", "missing-dir/s.pdf");
    EXPECT_FALSE(render_sheets(nowhere));
    EXPECT_TRUE(files().empty());
}

}  // namespace
}  // namespace cpe::stickers
