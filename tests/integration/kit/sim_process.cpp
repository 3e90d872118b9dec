#include "kit/sim_process.hpp"

#include <sstream>

namespace cpe::testkit {

std::unique_ptr<SimProcess> SimProcess::start(const std::vector<std::string>& argv, int timeout_s,
                                              std::string* why) {
    std::unique_ptr<SimProcess> sim(new SimProcess());
    sim->proc_ = spawn(argv, sim->dir_.file("sim.log"));
    std::istringstream ports(wait_for(sim->proc_, "READY ", timeout_s));
    for (int port = 0; ports >> port;) sim->ports_.push_back(port);
    if (sim->ports_.empty()) {
        if (why) *why = sim->log();
        return nullptr;
    }
    return sim;
}

}  // namespace cpe::testkit
