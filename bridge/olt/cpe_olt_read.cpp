// cpe-olt-read: prints the optical table of one or more PONs of a Raisecom OLT.
// Exit status: 0 every table complete, 3 some table partial, 1 a read failed, 2 usage error.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "credentials.hpp"
#include "olt_reader.hpp"
#include "pon_format.hpp"

using namespace cpe::bridge::olt;

namespace {

void usage(FILE* out) {
    std::fputs(
        "usage: cpe-olt-read --host HOST [--port UDP_PORT] (--community-file FILE | --v3-file FILE)\n"
        "                    --slot S --port-no N [--port-no N…] [--max-onu M] [--timeout-ms T] [--retries "
        "R]\n"
        "                    [--max-repetitions K] [--firmware auto|type2id|legacy|VERSION] [--json]\n"
        "  --max-onu: highest ONU number read (default and most 128)\n"
        "  --firmware: the ONU table's index: 2.x/3.x type2id, older legacy; auto (default) probes the OLT\n"
        "  --community-file: first non-comment line is the SNMPv2c community (file mode 600)\n"
        "  --v3-file: 'key = value' lines: user, auth (SHA|SHA-256), auth_passphrase, priv (AES), "
        "priv_passphrase\n",
        out);
}

std::optional<long> number(const char* flag, const char* text, long lo, long hi) {
    char* end = nullptr;
    errno = 0;
    long v = std::strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || v < lo || v > hi) {
        std::fprintf(stderr, "cpe-olt-read: %s: '%s' is not a number in %ld..%ld\n", flag, text, lo, hi);
        return std::nullopt;
    }
    return v;
}

}  // namespace

int main(int argc, char** argv) {
    std::string host, community_file, v3_file;
    long port = 161, slot = -1, max_onu = kDefaultMaxOnu, timeout_ms = 1000, retries = 1, reps = 16;
    std::vector<int> pon_ports;
    std::optional<IndexScheme> scheme;
    bool as_json = false;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto value = [&]() -> const char* {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "cpe-olt-read: %s needs a value\n", a.c_str());
                return nullptr;
            }
            return argv[++i];
        };
        const char* v = nullptr;
        std::optional<long> n;
        if (a == "--help" || a == "-h") {
            usage(stdout);
            return 0;
        } else if (a == "--json") {
            as_json = true;
            continue;
        }
        if (!(v = value())) return 2;
        if (a == "--host")
            host = v;
        else if (a == "--community-file")
            community_file = v;
        else if (a == "--v3-file")
            v3_file = v;
        else if (a == "--port") {
            if (!(n = number("--port", v, 1, 65535))) return 2;
            port = *n;
        } else if (a == "--slot") {
            if (!(n = number("--slot", v, 0, kMaxSlot))) return 2;
            slot = *n;
        } else if (a == "--port-no") {
            if (!(n = number("--port-no", v, 0, kMaxPort))) return 2;
            pon_ports.push_back(static_cast<int>(*n));
        } else if (a == "--firmware") {
            auto sc = scheme_from_firmware(v);
            if (!sc) {
                std::fprintf(stderr, "cpe-olt-read: --firmware: %s\n", sc.error().message.c_str());
                return 2;
            }
            scheme = *sc;
        } else if (a == "--max-onu") {
            if (!(n = number("--max-onu", v, 1, kMaxOnu))) return 2;
            max_onu = *n;
        } else if (a == "--timeout-ms") {
            if (!(n = number("--timeout-ms", v, 1, 60000))) return 2;
            timeout_ms = *n;
        } else if (a == "--retries") {
            if (!(n = number("--retries", v, 0, 10))) return 2;
            retries = *n;
        } else if (a == "--max-repetitions") {
            if (!(n = number("--max-repetitions", v, 1, 1000))) return 2;
            reps = *n;
        } else {
            std::fprintf(stderr, "cpe-olt-read: unknown option '%s'\n", a.c_str());
            usage(stderr);
            return 2;
        }
    }
    if (host.empty() || slot < 0 || pon_ports.empty() || community_file.empty() == v3_file.empty()) {
        std::fputs(
            "cpe-olt-read: --host, --slot, --port-no and exactly one of --community-file/--v3-file are "
            "needed\n",
            stderr);
        usage(stderr);
        return 2;
    }
    auto creds = community_file.empty() ? load_v3_file(v3_file) : load_community_file(community_file);
    if (!creds) {
        std::fprintf(stderr, "cpe-olt-read: %s\n", creds.error().message.c_str());
        return 2;
    }
    Target target{host, static_cast<uint16_t>(port), std::move(creds.value()),
                  std::chrono::milliseconds(timeout_ms), static_cast<int>(retries)};
    std::vector<ReadRequest> requests;
    for (int p : pon_ports)
        requests.push_back({0, PonQuery{static_cast<int>(slot), p, static_cast<int>(max_onu), scheme}});
    ReaderOptions options;
    options.bulk_repetitions = static_cast<int>(reps);
    auto results = read_pons(std::span<const Target>(&target, 1), requests, options);

    int rc = 0;
    cpe::json::Ptr array = cpe::json::make_array();
    for (auto& r : results) {
        if (!r) {
            std::fprintf(stderr, "cpe-olt-read: %s\n", r.error().message.c_str());
            rc = 1;
            continue;
        }
        if (!r->complete() && rc == 0) rc = 3;
        if (as_json)
            cpe::json::append(array.get(), to_json(*r));
        else
            std::fputs(to_text(*r).c_str(), stdout);
    }
    if (as_json) {
        std::string text = cpe::json::print(array.get(), true);
        std::fputs(text.c_str(), stdout);
        std::fputc('\n', stdout);
    }
    return rc;
}
