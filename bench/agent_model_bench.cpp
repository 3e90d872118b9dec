// One agent refresh of the 64-host, 3-mesh-node XX230v bench fixture: collectors only (the baseline:
// reading and parsing the device's files) against collectors + TR-181 build + `get Device.`.
// The ratio says what the data model costs on top of reading the device.
#include <benchmark/benchmark.h>

#include <cstdio>

#include "model/board.hpp"

namespace {

const std::string kBoard = std::string(CPE_SOURCE_DIR) + "/bench/fixtures/xx230v-64hosts";
constexpr int64_t kNow = 1795000000;

std::unique_ptr<cpe::agent::Board> open_board() {
    auto b = cpe::agent::Board::open(kBoard, kBoard + "/fixtures/rootfs");
    if (!b) {
        fprintf(stderr, "%s\n", b.error().message.c_str());
        abort();
    }
    return std::move(*b);
}

void BM_CollectOnly(benchmark::State& state) {
    auto board = open_board();
    auto reader = cpe::agent::make_fixture_reader(kBoard + "/fixtures/rootfs");
    for (auto _ : state) {
        cpe::agent::BoardData data;
        for (auto& c : board->profile().collectors) (void)c->collect(*reader, data);
        benchmark::DoNotOptimize(data.leases.data());
    }
}

void BM_RefreshAndGetDevice(benchmark::State& state) {
    auto board = open_board();
    auto path = cpe::tr181::Path::parse("Device.");
    size_t params = 0;
    for (auto _ : state) {
        const auto& tree = board->refresh(kNow);
        auto entries = tree.get(*path);
        params = entries->size();
        std::string out;
        for (const auto& e : *entries) out += e.path + " = " + e.value->to_string() + "\n";
        benchmark::DoNotOptimize(out.data());
    }
    state.counters["params"] = static_cast<double>(params);
}

BENCHMARK(BM_CollectOnly)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_RefreshAndGetDevice)->Unit(benchmark::kMicrosecond);

// Prints "ratio" lines after the table: full refresh / collect-only.
class RatioReporter : public benchmark::ConsoleReporter {
  public:
    void ReportRuns(const std::vector<Run>& runs) override {
        ConsoleReporter::ReportRuns(runs);
        for (const Run& r : runs) times_[r.benchmark_name()] = r.GetAdjustedRealTime();
    }
    void Finalize() override {
        ConsoleReporter::Finalize();
        double base = times_["BM_CollectOnly"], full = times_["BM_RefreshAndGetDevice"];
        if (base > 0) printf("ratio refresh+get Device. / collect-only: %.2f\n", full / base);
    }

  private:
    std::map<std::string, double> times_;
};

}  // namespace

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    RatioReporter reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    benchmark::Shutdown();
    return 0;
}
