// Fuzzes what bridge/olt does with network input: arbitrary varbinds (OIDs with any suffix, any type and
// value, in any order and count) fed to a PON walk, the index math on them, and the formatting of the
// resulting table. A leading 'T' switches to the text parsers (OIDs, credential files).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "credentials.hpp"
#include "pon_format.hpp"
#include "pon_walk.hpp"
#include "raisecom.hpp"

using namespace cpe::bridge::olt;

namespace {

struct Reader {
    const uint8_t* p;
    size_t n;
    uint8_t byte() {
        if (n == 0) return 0;
        --n;
        return *p++;
    }
    uint32_t u32() {
        return static_cast<uint32_t>(byte()) | byte() << 8 | byte() << 16 |
               static_cast<uint32_t>(byte()) << 24;
    }
    int64_t i64() {
        uint64_t v = u32();
        v |= static_cast<uint64_t>(u32()) << 32;
        return static_cast<int64_t>(v);
    }
};

VarBind make_varbind(Reader& in, const PonQuery& q, const std::vector<Oid>& requested) {
    VarBind vb;
    const uint8_t sel = in.byte();
    switch (sel % 4) {
        case 0:  // continue one of the requested OIDs
            if (!requested.empty()) vb.name = requested[in.byte() % requested.size()];
            break;
        case 1:  // some column, some index
            vb.name = column_oid(static_cast<Column>(in.byte() % kColumnCount));
            break;
        case 2: {  // any OID
            uint8_t len = in.byte() % 20;
            for (uint8_t i = 0; i < len; ++i) vb.name.push_back(in.u32());
            break;
        }
        default: {  // a row of this PON (or next to one) in either table and either scheme
            const Column c = static_cast<Column>(in.byte() % kColumnCount);
            const IndexScheme s = in.byte() & 1 ? IndexScheme::legacy : IndexScheme::type2id;
            const int onu = 1 + in.byte() % kMaxOnu;
            vb.name = column_oid(c);
            uint32_t index = scheme_fits(s, q.slot, q.port) || spec(c).table == IndexTable::optical
                                 ? row_index(spec(c).table, s, q.slot, q.port, onu)
                                 : onu;
            vb.name.push_back(index + (in.byte() % 3) - 1);
            break;
        }
    }
    if (sel & 0x10) vb.name.push_back(in.u32());
    if (sel & 0x20) vb.name.push_back(in.byte());
    vb.type = static_cast<VarType>(in.byte() % 8);
    if (vb.type == VarType::octets) {
        uint8_t len = in.byte() % 40;
        for (uint8_t i = 0; i < len; ++i) vb.bytes.push_back(static_cast<char>(in.byte()));
    } else {
        vb.integer = in.i64();
    }
    return vb;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size > 0 && data[0] == 'T') {
        std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
        (void)parse_oid(text);
        (void)scheme_from_firmware(text);
        (void)parse_community(text, "fuzz");
        (void)parse_v3(text, "fuzz");
        return 0;
    }
    Reader in{data, size};
    PonQuery q{in.byte() % (kMaxSlot + 1), in.byte() % (kMaxPort + 1), 1 + in.byte() % kMaxOnu};
    switch (in.byte() % 3) {  // configured type2id, configured legacy, or probed
        case 0:
            q.scheme = IndexScheme::type2id;
            break;
        case 1:
            q.scheme = IndexScheme::legacy;
            break;
        default:
            break;
    }
    if (!validate_pon(q.slot, q.port, q.max_onu, q.scheme)) return 0;
    (void)decode_optical_index(in.u32());
    (void)decode_onu_index(IndexScheme::type2id, in.u32());
    (void)decode_onu_index(IndexScheme::legacy, in.u32());
    (void)onu_in_pon(IndexTable::optical, IndexScheme::type2id, in.u32(), q.slot, q.port, q.max_onu);
    (void)onu_in_pon(IndexTable::onu, IndexScheme::legacy, in.u32(), q.slot, q.port, q.max_onu);
    (void)scheme_from_firmware(
        std::string_view(reinterpret_cast<const char*>(in.p), std::min<size_t>(in.n, 8)));
    PonWalk walk("fuzz", q, 1 + in.byte() % 32);
    while (in.n > 0 && !walk.done()) {
        auto req = walk.next_request();
        const uint8_t op = in.byte();
        if (op % 16 == 0) {
            walk.on_error_status(in.byte() % 20, in.byte() % 12);
        } else if (op % 16 == 1) {
            walk.on_failure(cpe::make_error(cpe::Errc::timeout, "fuzz timeout"));
        } else {
            std::vector<VarBind> vbs;
            const size_t count = in.byte() % 64;
            for (size_t i = 0; i < count && in.n > 0; ++i) vbs.push_back(make_varbind(in, q, req.oids));
            walk.on_response(vbs);
        }
    }
    PonTable t = walk.finish();
    (void)t.complete();
    auto json = to_json(t);
    (void)cpe::json::print(json.get());
    (void)to_text(t);
    return 0;
}
