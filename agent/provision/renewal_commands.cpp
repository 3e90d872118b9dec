#include "provision/renewal_commands.hpp"

#include "log/log.hpp"
#include "usp/error_codes.hpp"

namespace cpe::agent::provision {

namespace err = cpe::usp::err;
using cpe::usp::CommandFailure;
using cpe::usp::OutputArgs;

RenewalCommands::RenewalCommands(Renewal* renewal, std::string vendor_prefix, std::string unavailable_reason,
                                 std::function<int64_t()> clock)
    : renewal_(renewal),
      prefix_(std::move(vendor_prefix)),
      unavailable_(std::move(unavailable_reason)),
      clock_(std::move(clock)) {}

std::optional<CommandResult> RenewalCommands::handle(const std::string& supported_path,
                                                     const cpe::usp::StrMap& in) {
    const bool renew = supported_path == renew_path();
    const bool install = supported_path == install_path();
    if (prefix_.empty() || (!renew && !install)) return std::nullopt;
    for (const auto& [name, value] : in)
        if (!(install && name == "Certificate"))
            return CommandFailure{err::invalid_command_arguments,
                                  supported_path + " has no input argument " + name.substr(0, 64) +
                                      (install ? " (it takes Certificate)" : " (it takes none)")};
    if (!renewal_)
        return CommandFailure{err::command_failure, supported_path + " is not available: " + unavailable_};
    if (renew) {
        auto csr = renewal_->request();
        if (!csr) {
            LOG_ERROR("identity", "RenewCertificate(): %s", csr.error().message.c_str());
            return CommandFailure{err::command_failure, "RenewCertificate(): " + csr.error().message};
        }
        LOG_INFO("identity", "RenewCertificate(): a new key and its CSR made");
        return OutputArgs{{{"CSR", *csr}}};
    }
    auto cert = in.find("Certificate");
    if (cert == in.end())
        return CommandFailure{err::invalid_command_arguments,
                              "InstallCertificate(): Certificate is required"};
    if (Status st = renewal_->install(cert->second, clock_()); !st) {
        LOG_WARN("identity", "InstallCertificate() refused: %s", st.error().message.c_str());
        const uint32_t code = st.error().code == Errc::io_error || st.error().code == Errc::internal
                                  ? err::command_failure
                                  : err::invalid_value;
        return CommandFailure{code, "InstallCertificate(): " + st.error().message};
    }
    LOG_INFO("identity", "InstallCertificate(): certificate accepted; reconnecting with it");
    installed_ = true;
    return OutputArgs{};
}

}  // namespace cpe::agent::provision
