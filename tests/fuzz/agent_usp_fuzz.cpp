// libFuzzer target for the agent's request handling: bytes → UspAgent::handle_record (decode the record,
// check the addresses, decode the Msg, run the handler against the TP-Link fixture model) → response bytes,
// which must themselves decode. Inputs prefixed with "M:" skip the record layer and go to handle_msg.
// A request may Add/Set/Delete subscriptions: the agent is rebuilt every 64 inputs so state stays bounded.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "log/log.hpp"
#include "model/board.hpp"
#include "usp/msg.hpp"
#include "usp/record.hpp"
#include "usp/usp_agent.hpp"

namespace {

using namespace cpe::agent;

struct Fixture {
    std::unique_ptr<Board> board;
    std::unique_ptr<usp::UspAgent> agent;
    unsigned runs = 0;

    Fixture() {
        cpe::log::set_level(cpe::log::Level::off);
        const std::string dir = std::string(CPE_SOURCE_DIR) + "/boards/tplink-xx230v";
        auto b = Board::open(dir, dir + "/fixtures/rootfs");
        if (!b) abort();
        board = std::move(*b);
        board->refresh(1795000000);
        reset();
    }
    void reset() {
        usp::Hooks hooks;
        hooks.reboot = [](const std::string&) -> cpe::Status { return {}; };
        agent =
            std::make_unique<usp::UspAgent>(device_schema(), "os::1C61B4-TPLGB43E91D4", "self::fuzz", hooks);
        agent->update_model(board->model());
    }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static Fixture f;
    if (++f.runs % 64 == 0) f.reset();
    if (size >= 2 && data[0] == 'M' && data[1] == ':') {
        auto out = f.agent->handle_msg({data + 2, size - 2}, "self::fuzz");
        if (out && !cpe::usp::decode_msg(*out)) abort();  // what we send must decode
    } else {
        usp::RecordAction a = f.agent->handle_record({data, size}, 64 * 1024);
        if (a.kind == usp::RecordAction::Kind::reply && !cpe::usp::decode_record(a.reply)) abort();
    }
    // subscriptions compare against the same model: must not crash, the outbox stays bounded
    f.agent->update_model(f.board->model());
    f.agent->periodic();
    for (const auto& rec : f.agent->take_due_records())
        if (!cpe::usp::decode_record(rec)) abort();
    return 0;
}
