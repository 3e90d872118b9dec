// Decrypted answers: act JSON (then mapped like the session does) and login replies.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "model.hpp"
#include "protocol.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace cpe::tplink;
    std::string_view text(reinterpret_cast<const char*>(data), size);
    (void)parse_login_reply(text);
    (void)plain_ret_code(text);
    auto reply = parse_act_reply(text);
    if (reply) {
        Snapshot s;
        apply_dev_info(s, *reply);
        apply_wan(s, *reply);
        apply_lan(s, *reply);
        apply_wifi(s, *reply);
        apply_hosts(s, *reply);
        apply_optical(s, *reply);
        apply_mem(s, *reply);
        apply_proc(s, *reply);
        apply_mesh_nodes(s, *reply);
        apply_mesh_clients(s, *reply);
        (void)to_tr181(s);
        (void)cpe::json::print(to_json(s).get());
    }
    return 0;
}
