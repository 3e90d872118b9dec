// The certificate renewal commands as USP answers (provision/identity.hpp): the input argument handling of
// Device.LocalAgent.<prefix>RenewCertificate() and <prefix>InstallCertificate(Certificate), each failure a
// USP error naming what was wrong. Loop thread; fuzzed (tests/fuzz/fuzz_renewal_commands.cpp).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <variant>

#include "provision/identity.hpp"
#include "usp/types.hpp"

namespace cpe::agent::provision {

using CommandResult = std::variant<cpe::usp::OutputArgs, cpe::usp::CommandFailure>;

class RenewalCommands {
  public:
    // `renewal` null: the agent has no state directory or no client certificate; the commands answer why.
    RenewalCommands(Renewal* renewal, std::string vendor_prefix, std::string unavailable_reason,
                    std::function<int64_t()> clock);

    std::string renew_path() const { return "Device.LocalAgent." + prefix_ + "RenewCertificate()"; }
    std::string install_path() const { return "Device.LocalAgent." + prefix_ + "InstallCertificate()"; }

    // nullopt: `supported_path` is not one of these commands. After a successful install, installed() is
    // true until take_installed() (the daemon then reconnects with the candidate).
    std::optional<CommandResult> handle(const std::string& supported_path,
                                        const cpe::usp::StrMap& input_args);
    bool take_installed() { return std::exchange(installed_, false); }

  private:
    Renewal* renewal_;
    std::string prefix_;
    std::string unavailable_;
    std::function<int64_t()> clock_;
    bool installed_ = false;
};

}  // namespace cpe::agent::provision
