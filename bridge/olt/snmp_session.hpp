// Private to bridge/olt (net-snmp headers must not reach other modules: their macros clash).
// net-snmp's single-session API owned once: a Session owns the snmp_sess_open() handle, a PduPtr owns a
// PDU until the library takes it (a successful send) or it is freed. Asynchronous: requests are sent with
// a callback and completed by the caller's select loop (see olt_reader.cpp).
#pragma once

#include <net-snmp/library/large_fd_set.h>
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
// syslog.h (via net-snmp) defines LOG_DEBUG/LOG_INFO as priorities; common/log uses the names for macros.
#undef LOG_DEBUG
#undef LOG_INFO

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "credentials.hpp"
#include "pon_walk.hpp"
#include "target.hpp"
#include "util/c_handle.hpp"
#include "util/result.hpp"

namespace cpe::bridge::olt {

// Initialises net-snmp once per process for client use: no configuration files, no persistent state.
void init_library();

using PduPtr = CHandle<netsnmp_pdu, snmp_free_pdu>;

// Called by the library with op NETSNMP_CALLBACK_OP_*; the PDU (response or request) belongs to the library.
using SnmpCallback = int (*)(int op, netsnmp_session* session, int reqid, netsnmp_pdu* pdu, void* magic);

class LargeFdSet {
  public:
    LargeFdSet();
    ~LargeFdSet();
    LargeFdSet(const LargeFdSet&) = delete;
    LargeFdSet& operator=(const LargeFdSet&) = delete;
    netsnmp_large_fd_set* get() { return &set_; }

  private:
    netsnmp_large_fd_set set_{};
};

class Session {
  public:
    // For SNMPv3 this discovers the OLT's engine ID before returning (a blocking exchange bounded by the
    // target's timeout × tries); SNMPv2c opens without traffic.
    static Result<Session> open(const Target& target);

    Session(Session&&) noexcept = default;
    Session& operator=(Session&&) noexcept = default;
    ~Session() = default;

    // Sends a GETBULK (non-repeaters 0) of `oids`; returns the request id. The callback runs from
    // read()/timeout() exactly once per accepted request (answer or final timeout).
    Result<int> send_getbulk(std::span<const Oid> oids, int bulk_repetitions, SnmpCallback callback,
                             void* magic);

    // select() integration: adds this session's socket to `fds` and lowers `timeout` to its next retransmit.
    void add_to_select(int& nfds, LargeFdSet& fds, timeval& timeout, int& block);
    void read(LargeFdSet& fds);
    void handle_timeouts();

    const std::string& name() const { return name_; }
    bool is_v3() const { return v3_; }

  private:
    Session(void* handle, std::string name, bool v3) : handle_(handle), name_(std::move(name)), v3_(v3) {}

    CHandle<void, snmp_sess_close> handle_;
    std::string name_;
    bool v3_ = false;
};

// The varbinds of a response, in a form PonWalk takes.
std::vector<VarBind> to_varbinds(const netsnmp_pdu& pdu);
// An SNMPv3 report PDU (usmStats…) as an error naming the likely cause.
Error report_error(const netsnmp_pdu& pdu, const std::string& olt);

}  // namespace cpe::bridge::olt
