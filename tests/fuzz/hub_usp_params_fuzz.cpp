// The hub's HTTP API parameter parsing (hub/app/usp_params.hpp) on arbitrary input: the bytes are used
// both as a query string and as a JSON body. Nothing may crash; whatever parses must be a valid request
// (paths checked, bounded counts).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "app/usp_params.hpp"
#include "net/http_types.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string text(reinterpret_cast<const char*>(data), size);
    auto query = cpe::net::parse_query(text);
    if (auto g = cpe::hub::app::parse_get_query(query); g.ok()) {
        if (g->param_paths.empty() || g->param_paths.size() > cpe::hub::app::kMaxPaths) std::abort();
        for (const auto& p : g->param_paths)
            if (!cpe::hub::app::check_path(p, "path").ok()) std::abort();
    }
    (void)cpe::hub::app::parse_instances_query(query);
    (void)cpe::hub::app::parse_supported_query(query);
    if (auto s = cpe::hub::app::parse_set_body(text); s.ok()) {
        if (s->update_objs.empty()) std::abort();
        for (const auto& o : s->update_objs)
            if (!cpe::hub::app::check_path(o.obj_path, "path").ok()) std::abort();
    }
    if (auto o = cpe::hub::app::parse_operate_body(text); o.ok()) {
        if (o->command.size() < 3 || o->command.compare(o->command.size() - 2, 2, "()") != 0) std::abort();
    }
    return 0;
}
