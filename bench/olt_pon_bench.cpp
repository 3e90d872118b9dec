// Reads one PON of 128 ONUs from the Raisecom simulator (real snmpd + pass_persist) with bridge/olt, and
// the same eight columns with net-snmp's own snmpbulkwalk (one process per column, same max-repetitions)
// as the baseline measured in the same run. Prints wall times and the ratio; asserts nothing about time.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>
#include <algorithm>
#include <filesystem>

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
    const std::string cmd = "SNMP_PERSISTENT_DIR=" + sim.dir() + "/client MIBS= MIBDIRS= SNMPCONFPATH=" + sim.dir() +
                            "/client " + CPE_SNMPBULKWALK + " -v2c -c " + sim.community() + " -On -Cr" +
                            std::to_string(reps) + " -t 2 -r 1 127.0.0.1:" + std::to_string(sim.port()) + " " + oid;
    FILE* p = ::popen(cmd.c_str(), "r");
    if (!p) return -1;
    int lines = 0;
    char buf[512];
    while (std::fgets(buf, sizeof buf, p)) ++lines;
    return ::pclose(p) == 0 ? lines : -1;
}

}  // namespace

int main(int argc, char** argv) {
    const int onus = 128;
    const int rounds = argc > 1 ? std::max(1, std::atoi(argv[1])) : 5;
    const int reps = 16;
    auto sim = cpe::test::SnmpdSim::start({{"--pon", "1/1/" + std::to_string(onus)}, {}});
    if (!sim) {
        std::fprintf(stderr, "olt_pon_bench: %s\n", sim.error().message.c_str());
        return 1;
    }
    Target target{"127.0.0.1", (*sim)->port(), Credentials{V2cCredentials{(*sim)->community()}},
                  std::chrono::milliseconds(2000), 1};
    ReaderOptions opts;
    opts.bulk_repetitions = reps;

    std::vector<double> ours, base;
    for (int r = 0; r < rounds; ++r) {
        auto t0 = Clock::now();
        auto t = read_pon(target, PonQuery{1, 1, onus}, opts);
        auto t1 = Clock::now();
        if (!t || !t->complete() || t->onus.size() != static_cast<size_t>(onus)) {
            std::fprintf(stderr, "olt_pon_bench: read failed: %s\n",
                         t ? (t->error ? t->error->message.c_str() : "incomplete") : t.error().message.c_str());
            return 1;
        }
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
    std::printf("olt_pon_bench: one PON, %d ONUs x %zu columns, GETBULK max-repetitions %d, %d rounds (median)\n",
                onus, kColumnCount, reps, rounds);
    std::printf("  cpe bridge/olt (one multi-column walk): %8.2f ms\n", o);
    std::printf("  snmpbulkwalk x %zu columns (baseline):   %8.2f ms\n", kColumnCount, b);
    std::printf("  ratio baseline/ours: %.2fx\n", b / o);
    return 0;
}
