// Helpers for the agent USP tests: a board from a fixture (optionally a writable copy of its rootfs) and a
// round trip of one request through UspAgent as encoded bytes.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "model/board.hpp"
#include "usp/msg.hpp"
#include "usp/record.hpp"
#include "usp/usp_agent.hpp"

namespace cpe::agent::usp::test {

inline constexpr int64_t kNow = 1795000000;  // the fixtures' "now" (docs/boards.md)
inline const std::string kBoard = std::string(CPE_SOURCE_DIR) + "/boards/tplink-xx230v";
inline const std::string kAgentId = "os::1C61B4-22275A7000412";
inline const std::string kController = "self::test-controller";

// A writable copy of the board's fixture rootfs, removed at the end of the test.
class FixtureCopy {
  public:
    FixtureCopy() {
        static int counter = 0;
        dir_ = std::filesystem::temp_directory_path() /
               ("cpe-agent-usp-" + std::to_string(getpid()) + "-" + std::to_string(counter++));
        std::filesystem::remove_all(dir_);
        std::filesystem::copy(kBoard + "/fixtures/rootfs", dir_, std::filesystem::copy_options::recursive);
    }
    ~FixtureCopy() { std::filesystem::remove_all(dir_); }
    std::string root() const { return dir_.string(); }
    std::string read(const std::string& rel) const {
        std::ifstream in(dir_ / rel);
        std::stringstream ss;
        ss << in.rdbuf();
        return ss.str();
    }
    void write(const std::string& rel, const std::string& text) const { std::ofstream(dir_ / rel) << text; }

  private:
    std::filesystem::path dir_;
};

template <typename Req>
cpe::usp::Msg round_trip(UspAgent& agent, const Req& req, const char* id = "req-1") {
    auto out = agent.handle_msg(cpe::usp::encode_msg(id, req), kController);
    EXPECT_TRUE(out.has_value());
    auto msg = cpe::usp::decode_msg(out.value_or(Bytes{}));
    EXPECT_TRUE(msg) << (msg ? "" : msg.error().message);
    EXPECT_EQ(msg->msg_id(), id);
    return std::move(*msg);
}

// Every Notify the agent has ready for the controller.
inline std::vector<cpe::usp::Notify> drain_notifications(UspAgent& agent,
                                                         std::vector<std::string>* ids = nullptr) {
    std::vector<cpe::usp::Notify> out;
    for (const Bytes& rec : agent.take_due_records()) {
        auto r = cpe::usp::decode_record(rec);
        EXPECT_TRUE(r);
        EXPECT_EQ(r->to_id(), kController);
        EXPECT_EQ(r->from_id(), kAgentId);
        auto msg = cpe::usp::decode_msg(*r->payload());
        EXPECT_TRUE(msg);
        auto n = msg->notify();
        EXPECT_TRUE(n) << (n ? "" : n.error().message);
        if (ids) ids->emplace_back(msg->msg_id());
        out.push_back(*n);
    }
    return out;
}

}  // namespace cpe::agent::usp::test
