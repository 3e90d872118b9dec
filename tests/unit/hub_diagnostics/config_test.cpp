#include "diagnostics/config.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

namespace cpe::hub::diagnostics {
namespace {

std::string error_of(const std::string& text) {
    auto r = parse_diagnostics_config(text, "diag.json");
    EXPECT_FALSE(r) << text;
    return r ? std::string() : r.error().message;
}

TEST(DiagnosticsConfig, TheExampleParsesWithEveryKey) {
    std::ifstream f(std::string(CPE_SOURCE_DIR) + "/hub/config/diagnostics.example.json");
    std::stringstream ss;
    ss << f.rdbuf();
    auto c = parse_diagnostics_config(ss.str(), "diagnostics.example.json");
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_TRUE(c->tr143.enabled);
    EXPECT_EQ(c->tr143.port, 3310);
    EXPECT_EQ(c->tr143.public_url, "http://hub.example.net:3310");
    EXPECT_EQ(c->keep_per_device, 20u);
}

// One configuration file for the hub: the "diagnostics" section; the older HUB_DIAGNOSTICS_CONFIG file only
// without it, and never both.
TEST(DiagnosticsConfig, TheHubFilesSectionOrTheOlderFileNeverBoth) {
    const std::filesystem::path dir =
        std::filesystem::temp_directory_path() / ("diag-cfg-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "hub.json") << R"({"usp": {}, "diagnostics": {"keep_per_device": 7}})";
    std::ofstream(dir / "old.json") << R"({"keep_per_device": 9})";
    std::ofstream(dir / "plain.json") << R"({"usp": {}})";
    unsetenv("HUB_DIAGNOSTICS_CONFIG");
    auto c = diagnostics_config((dir / "hub.json").string());
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->keep_per_device, 7u);
    setenv("HUB_DIAGNOSTICS_CONFIG", (dir / "old.json").c_str(), 1);
    auto old = diagnostics_config((dir / "plain.json").string());
    ASSERT_TRUE(old) << old.error().message;
    EXPECT_EQ(old->keep_per_device, 9u);
    auto both = diagnostics_config((dir / "hub.json").string());
    ASSERT_FALSE(both);
    EXPECT_NE(both.error().message.find("given twice"), std::string::npos) << both.error().message;
    unsetenv("HUB_DIAGNOSTICS_CONFIG");
    std::filesystem::remove_all(dir);
}

TEST(DiagnosticsConfig, DefaultsWhenEmpty) {
    auto c = parse_diagnostics_config("{}", "diag.json");
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_FALSE(c->tr143.enabled);
    EXPECT_EQ(c->min_budget_ms, 15000u);
}

TEST(DiagnosticsConfig, BadKeysAreNamed) {
    EXPECT_NE(error_of(R"({"keep": 3})").find("diag.json: keep: unknown key"), std::string::npos);
    EXPECT_NE(error_of(R"({"tr143": {"prot": 1}})").find("tr143.prot: unknown key"), std::string::npos);
    EXPECT_NE(error_of(R"({"tr143": {"port": 70000}})").find("tr143.port"), std::string::npos);
    EXPECT_NE(error_of(R"({"tr143": {"enabled": "yes"}})").find("tr143.enabled"), std::string::npos);
    EXPECT_NE(error_of(R"({"tr143": {"public_url": "hub:3310"}})").find("tr143.public_url"),
              std::string::npos);
    EXPECT_NE(error_of(R"({"tr143": {"max_download_bytes": 10, "default_download_bytes": 11}})")
                  .find("tr143.default_download_bytes"),
              std::string::npos);
    EXPECT_NE(error_of(R"({"min_budget_ms": 5000, "max_budget_ms": 1000})").find("min_budget_ms"),
              std::string::npos);
    EXPECT_NE(error_of(R"({"keep_per_device": 0})").find("keep_per_device"), std::string::npos);
    EXPECT_NE(error_of(R"({"default_url": "ftp://x/"})").find("default_url"), std::string::npos);
    EXPECT_NE(error_of("[]").find("expected a JSON object"), std::string::npos);
}

}  // namespace
}  // namespace cpe::hub::diagnostics
