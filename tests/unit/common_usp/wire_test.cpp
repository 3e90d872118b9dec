// The wire walker is what names the byte and field when protobuf-c refuses input.
#include <gtest/gtest.h>

#include "usp-msg-1-4.pb-c.h"
#include "usp/wire_check.hpp"

namespace cpe::usp::detail {
namespace {

std::string check(std::initializer_list<uint8_t> bytes) {
    std::vector<uint8_t> v(bytes);
    return describe_wire_error(&usp__msg__descriptor, v);
}

TEST(UspWireCheck, NamesTheFaults) {
    EXPECT_EQ(check({0x00}), "at byte 0: invalid field number 0");
    EXPECT_EQ(check({0x0a, 0x01, 0x10}), "at byte 2 (header): truncated varint in field msg_type");
    EXPECT_EQ(check({0x0a, 0x02, 0x10}), "at byte 0: field header declares 2 bytes but 1 remain");
    EXPECT_EQ(check({0x0a, 0x01, 0x0a}), "at byte 2 (header): truncated length of field msg_id");
    EXPECT_EQ(check({0x0b}), "at byte 0: field header has wire type 3, expected 2");
    EXPECT_EQ(check({0x7b}), "at byte 0: group wire type (field #15) is not supported");
    EXPECT_EQ(check({0x7e}), "at byte 0: invalid wire type 6 (field #15)");
    EXPECT_EQ(check({0x7d, 1, 2}), "at byte 0: field #15 needs 4 bytes, 2 remain");
    EXPECT_EQ(check({0x10, 0x01}), "at byte 0: field body has wire type 0, expected 2");
}

TEST(UspWireCheck, ValidInputGivesGenericSentence) {
    EXPECT_EQ(check({0x0a, 0x00}).rfind("with no visible wire-format fault", 0), 0u);
}

}  // namespace
}  // namespace cpe::usp::detail
