// Reads one PON of 128 ONUs from the Raisecom simulator (real snmpd + pass_persist) with bridge/olt, and
// the same nine columns with net-snmp's own snmpbulkwalk (one process per column, same max-repetitions)
// as the baseline measured in the same run. Once per ONU-table index scheme (type2id, legacy); the reader
// probes the scheme as an unconfigured OLT would have it do, and walks the optical table over its two index
// ranges (ONUs 1..99, ONUs 100..128 under the (3<<28) prefix). Prints wall times and the ratio
// (ours/baseline); asserts nothing about time.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "olt_reader.hpp"
#include "snmpd_sim.hpp"

using namespace cpe::bridge::olt;
using Clock = std::chrono::steady_clock;

namespace {

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

// Runs snmpbulkwalk for one column; returns the number of lines it printed, or -1.
int bulkwalk(const cpe::test::SnmpdSim& sim, const std::string& oid, int reps) {
    std::error_code ec;  // snmpbulkwalk says "Created directory" on stderr otherwise
    std::filesystem::create_directories(sim.dir() + "/client/cert_indexes", ec);
    const std::string cmd =
        "SNMP_PERSISTENT_DIR=" + sim.dir() + "/client MIBS= MIBDIRS= SNMPCONFPATH=" + sim.dir() + "/client " +
        CPE_SNMPBULKWALK + " -v2c -c " + sim.community() + " -On -Cr" + std::to_string(reps) +
        " -t 2 -r 1 127.0.0.1:" + std::to_string(sim.port()) + " " + oid;
    FILE* p = ::popen(cmd.c_str(), "r");
    if (!p) return -1;
    int lines = 0;
    char buf[512];
    while (std::fgets(buf, sizeof buf, p)) ++lines;
    return ::pclose(p) == 0 ? lines : -1;
}

int run(const char* scheme, int rounds) {
    const int onus = 128;
    const int reps = 16;
    auto sim = cpe::test::SnmpdSim::start({{"--pon", "1/1/" + std::to_string(onus), "--scheme", scheme}, {}});
    if (!sim) {
        std::fprintf(stderr, "olt_pon_bench: %s\n", sim.error().message.c_str());
        return 1;
    }
    Target target{"127.0.0.1", (*sim)->port(), Credentials{V2cCredentials{(*sim)->community()}},
                  std::chrono::milliseconds(2000), 1};
    ReaderOptions opts;
    opts.bulk_repetitions = reps;

    std::vector<double> ours, base;
    size_t requests = 0;
    for (int r = 0; r < rounds; ++r) {
        auto t0 = Clock::now();
        auto t = read_pon(target, PonQuery{1, 1, onus}, opts);
        auto t1 = Clock::now();
        if (!t || !t->complete() || t->onus.size() != static_cast<size_t>(onus) ||
            std::string(scheme_name(t->scheme)) != scheme) {
            std::fprintf(stderr, "olt_pon_bench: read failed: %s\n",
                         t ? (t->error ? t->error->message.c_str() : "incomplete or wrong scheme")
                           : t.error().message.c_str());
            return 1;
        }
        requests = t->requests;
        ours.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());

        t0 = Clock::now();
        for (const ColumnSpec& c : column_specs()) {
            int lines = bulkwalk(**sim, c.oid, reps);
            if (lines != onus) {
                std::fprintf(stderr, "olt_pon_bench: snmpbulkwalk %s gave %d lines\n", c.oid, lines);
                return 1;
            }
        }
        t1 = Clock::now();
        base.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    }
    const double o = median(ours), b = median(base);
    std::printf(
        "olt_pon_bench [%s index]: one PON, %d ONUs x %zu columns, GETBULK max-repetitions %d, %d rounds "
        "(median), %zu requests\n",
        scheme, onus, kColumnCount, reps, rounds, requests);
    std::printf("  cpe bridge/olt (probe + one multi-column walk): %8.2f ms\n", o);
    std::printf("  snmpbulkwalk x %zu columns (baseline):           %8.2f ms\n", kColumnCount, b);
    std::printf("  ratio ours/baseline: %.2fx (baseline/ours %.2fx)\n", o / b, b / o);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    const int rounds = argc > 1 ? std::max(1, std::atoi(argv[1])) : 5;
    for (const char* scheme : {"type2id", "legacy"})
        if (int rc = run(scheme, rounds)) return rc;
    return 0;
}
