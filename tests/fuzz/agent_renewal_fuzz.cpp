// InstallCertificate() / RenewCertificate() input arguments as a controller sends them: the first byte picks
// the command, the rest is name\0value\0… pairs. A pending key exists (made once); the CA file does not, so
// no input can install a certificate: every install must be refused with a USP error.
#include <stdlib.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "provision/identity.hpp"
#include "provision/renewal_commands.hpp"

namespace {

const std::string kEid = "os::0C8063-FUZZ0001";

struct State {
    std::string dir;
    State() {
        char t[] = "/tmp/agent-renewal-fuzz-XXXXXX";
        if (!mkdtemp(t)) abort();
        dir = t;
        auto made = cpe::agent::provision::make_key_and_csr(kEid);
        if (!made) abort();
        FILE* f = fopen((dir + "/" + cpe::agent::provision::kPendingKeyFile).c_str(), "wb");
        if (!f) abort();
        fwrite(made->key_pem.data(), 1, made->key_pem.size(), f);
        fclose(f);
    }
    ~State() {  // at exit: the pending key and the directory
        unlink((dir + "/" + cpe::agent::provision::kPendingKeyFile).c_str());
        rmdir(dir.c_str());
    }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace cpe::agent::provision;
    static State state;
    static Renewal renewal(state.dir, kEid, state.dir + "/no-such-ca.pem");
    if (size < 1) return 0;
    cpe::usp::StrMap args;
    std::string rest(reinterpret_cast<const char*>(data + 1), size - 1);
    size_t pos = 0;
    while (pos < rest.size() && args.size() < 4) {
        size_t a = rest.find('\0', pos);
        if (a == std::string::npos) a = rest.size();
        size_t b = a < rest.size() ? rest.find('\0', a + 1) : std::string::npos;
        if (b == std::string::npos) b = rest.size();
        args[rest.substr(pos, a - pos)] = a < rest.size() ? rest.substr(a + 1, b - a - 1) : std::string();
        pos = b + 1;
    }
    const bool install = data[0] & 1;
    // Without arguments RenewCertificate() would make a key per input (slow, and it replaces the pending
    // key): the refused-argument paths only.
    if (!install && args.empty()) return 0;
    RenewalCommands commands(&renewal, "X_0C8063_", "", [] { return int64_t{1800000000}; });
    auto r = commands.handle(install ? commands.install_path() : commands.renew_path(), args);
    if (!r || !std::holds_alternative<cpe::usp::CommandFailure>(*r)) abort();
    if (std::get<cpe::usp::CommandFailure>(*r).err_msg.empty() || commands.take_installed()) abort();
    return 0;
}
