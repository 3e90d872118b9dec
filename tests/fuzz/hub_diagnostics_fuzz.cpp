// First byte picks the input: 0..127 a diagnostics request body (network input from the CSR page or the ops
// app), 128..255 a device's output arguments ("Name=value" lines, as an OperationComplete or a TR-069 read
// brings them) for the kind in the low bits. Whatever parses must keep its promises: a request has a command,
// its inputs are TR-181 names, its echo and every rendered result print as JSON that parses back.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "diagnostics/request.hpp"
#include "json/json.hpp"

using namespace cpe::hub::diagnostics;

namespace {
void check_json(const cJSON* node) {
    std::string text = cpe::json::print(node);
    if (!cpe::json::parse(text, "fuzz output")) __builtin_trap();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 1) return 0;
    const uint8_t selector = data[0];
    std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
    if (selector < 128) {
        auto r =
            parse_request(body, {}, selector & 1 ? "http://192.0.2.1:3310/tr143/download?bytes=1000" : "");
        if (!r) {
            if (r.error().message.empty()) __builtin_trap();
            return 0;
        }
        if (r->command.empty() || r->command.back() != ')' || !r->args) __builtin_trap();
        for (const auto& [k, v] : r->inputs)
            if (k.empty() || v.empty() || v.size() > 1024) __builtin_trap();
        if (auto h = r->inputs.find("Host"); h != r->inputs.end() && !valid_host(h->second)) __builtin_trap();
        check_json(r->args.get());
        return 0;
    }
    std::map<std::string, std::string> outputs;
    size_t start = 0;
    while (start < body.size() && outputs.size() < 4096) {
        size_t end = body.find('\n', start);
        if (end == std::string_view::npos) end = body.size();
        std::string_view line = body.substr(start, end - start);
        size_t eq = line.find('=');
        if (eq != std::string_view::npos)
            outputs[std::string(line.substr(0, eq))] = std::string(line.substr(eq + 1));
        start = end + 1;
    }
    auto kind = static_cast<Kind>((selector & 0x7f) % 6);
    auto result = render_result(kind, outputs);
    if (!result || !cJSON_GetObjectItemCaseSensitive(result.get(), "summary")) __builtin_trap();
    check_json(result.get());
    return 0;
}
