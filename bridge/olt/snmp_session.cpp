#include "snmp_session.hpp"

#include <cstdlib>
#include <cstring>
#include <mutex>

#include "log/log.hpp"

namespace cpe::bridge::olt {

namespace {

std::string library_error(netsnmp_session* session) {
    int liberr = 0, snmperr = 0;
    char* text = nullptr;
    snmp_error(session, &liberr, &snmperr, &text);
    std::string out = text ? text : "unknown net-snmp error";
    std::free(text);  // NOLINT(cppcoreguidelines-no-malloc): net-snmp hands out malloc()ed text
    return out;
}

std::string sess_error(void* handle) {
    int liberr = 0, snmperr = 0;
    char* text = nullptr;
    snmp_sess_error(handle, &liberr, &snmperr, &text);
    std::string out = text ? text : "unknown net-snmp error";
    std::free(text);  // NOLINT(cppcoreguidelines-no-malloc): net-snmp hands out malloc()ed text
    return out;
}

// net-snmp caches USM users (with their localized keys) per (engine ID, name) for the whole process and
// keeps the first keys it saw: without this, a session with a wrong passphrase would silently reuse the
// right keys of an earlier session to the same OLT, and a rotated passphrase would never take effect.
void forget_usm_user(const std::string& name) {
    struct usmUser* u = usm_get_userList();
    while (u) {
        struct usmUser* next = u->next;
        if (u->name && name == u->name) {
            usm_remove_user(u);
            usm_free_user(u);
        }
        u = next;
    }
}

}  // namespace

std::string Target::name() const {
    if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
    return host + ":" + std::to_string(port);
}

void init_library() {
    static std::once_flag once;
    std::call_once(once, [] {
        netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_READ_CONFIGS, 1);
        netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_PERSIST_STATE, 1);
        netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD, 1);
        netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_SAVE, 1);
        netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_LOAD_HOST_FILES, 1);
        netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_NO_TOKEN_WARNINGS, 1);
        // We use numeric OIDs only. Without configuration files (Debian's snmp.conf says "mibs :"),
        // net-snmp would parse every MIB it finds and print hundreds of lines about missing modules.
        setenv("MIBS", "", 0);
        setenv("MIBDIRS", "", 0);
        init_snmp("cpe-olt");
    });
}

LargeFdSet::LargeFdSet() {
    netsnmp_large_fd_set_init(&set_, FD_SETSIZE);
    NETSNMP_LARGE_FD_ZERO(&set_);
}
LargeFdSet::~LargeFdSet() {
    netsnmp_large_fd_set_cleanup(&set_);
}

Result<Session> Session::open(const Target& target) {
    init_library();
    if (target.host.empty()) return make_error(Errc::invalid_argument, "OLT host is empty");
    if (target.port == 0) return make_error(Errc::invalid_argument, "OLT port 0");
    if (target.timeout.count() <= 0 || target.timeout.count() > 60000)
        return make_error(Errc::invalid_argument, "SNMP timeout must be 1..60000 ms");
    if (target.retries < 0 || target.retries > 10)
        return make_error(Errc::invalid_argument, "SNMP retries must be 0..10");

    netsnmp_session s;
    snmp_sess_init(&s);
    const bool v6 = target.host.find(':') != std::string::npos;
    std::string peer =
        (v6 ? "udp6:[" + target.host + "]" : "udp:" + target.host) + ":" + std::to_string(target.port);
    s.peername = peer.data();
    s.timeout = static_cast<long>(target.timeout.count()) * 1000;
    s.retries = target.retries;

    std::string community;
    if (const auto* v2 = std::get_if<V2cCredentials>(&target.credentials.value)) {
        s.version = SNMP_VERSION_2c;
        community = v2->community;
        s.community = reinterpret_cast<u_char*>(community.data());
        s.community_len = community.size();
    } else {
        const auto& v3 = std::get<V3Credentials>(target.credentials.value);
        std::string user = v3.user;
        s.version = SNMP_VERSION_3;
        s.securityName = user.data();
        s.securityNameLen = user.size();
        s.securityLevel = SNMP_SEC_LEVEL_AUTHPRIV;
        if (v3.auth == AuthProtocol::sha256) {
            s.securityAuthProto = usmHMAC192SHA256AuthProtocol;
            s.securityAuthProtoLen = OID_LENGTH(usmHMAC192SHA256AuthProtocol);
        } else {
            s.securityAuthProto = usmHMACSHA1AuthProtocol;
            s.securityAuthProtoLen = OID_LENGTH(usmHMACSHA1AuthProtocol);
        }
        s.securityAuthKeyLen = USM_AUTH_KU_LEN;
        s.securityPrivProto = usmAESPrivProtocol;
        s.securityPrivProtoLen = OID_LENGTH(usmAESPrivProtocol);
        s.securityPrivKeyLen = USM_PRIV_KU_LEN;
        std::string auth = v3.auth_passphrase, priv = v3.priv_passphrase;
        int rc1 = generate_Ku(s.securityAuthProto, static_cast<u_int>(s.securityAuthProtoLen),
                              reinterpret_cast<const u_char*>(auth.data()), auth.size(), s.securityAuthKey,
                              &s.securityAuthKeyLen);
        int rc2 = generate_Ku(s.securityAuthProto, static_cast<u_int>(s.securityAuthProtoLen),
                              reinterpret_cast<const u_char*>(priv.data()), priv.size(), s.securityPrivKey,
                              &s.securityPrivKeyLen);
        explicit_bzero(auth.data(), auth.size());
        explicit_bzero(priv.data(), priv.size());
        if (rc1 != SNMPERR_SUCCESS || rc2 != SNMPERR_SUCCESS) {
            explicit_bzero(s.securityAuthKey, sizeof s.securityAuthKey);
            explicit_bzero(s.securityPrivKey, sizeof s.securityPrivKey);
            return make_error(Errc::invalid_argument,
                              target.name() + ": cannot derive the SNMPv3 keys of user '" + v3.user + "'");
        }
        forget_usm_user(v3.user);
        void* handle = snmp_sess_open(&s);
        std::string err = handle ? "" : library_error(&s);
        explicit_bzero(s.securityAuthKey, sizeof s.securityAuthKey);
        explicit_bzero(s.securityPrivKey, sizeof s.securityPrivKey);
        if (!handle)
            return make_error(Errc::unavailable,
                              target.name() + ": SNMPv3 session (engine-ID discovery) failed: " + err +
                                  " after " + std::to_string(target.retries + 1) + " tries of " +
                                  std::to_string(target.timeout.count()) + " ms");
        LOG_DEBUG("olt", "%s: opened %s", target.name().c_str(), target.credentials.describe().c_str());
        return Session(handle, target.name(), true);
    }
    void* handle = snmp_sess_open(&s);
    explicit_bzero(community.data(), community.size());
    if (!handle)
        return make_error(Errc::unavailable,
                          target.name() + ": cannot open an SNMP session: " + library_error(&s));
    return Session(handle, target.name(), false);
}

Result<int> Session::send_getbulk(std::span<const Oid> oids, int bulk_repetitions, SnmpCallback callback,
                                  void* magic) {
    PduPtr pdu(snmp_pdu_create(SNMP_MSG_GETBULK));
    if (!pdu) return make_error(Errc::internal, name_ + ": cannot allocate a PDU");
    pdu->non_repeaters = 0;
    pdu->max_repetitions = bulk_repetitions;
    std::vector<oid> arcs;
    for (const Oid& o : oids) {
        arcs.assign(o.begin(), o.end());
        if (!snmp_add_null_var(pdu.get(), arcs.data(), arcs.size()))
            return make_error(Errc::internal, name_ + ": cannot add " + format_oid(o) + " to a PDU");
    }
    int reqid = snmp_sess_async_send(handle_.get(), pdu.get(), callback, magic);
    if (reqid == 0)
        return make_error(Errc::io_error, name_ + ": cannot send a GETBULK: " + sess_error(handle_.get()));
    (void)pdu.release();  // the library owns it now and frees it after the answer or the last retry
    return reqid;
}

void Session::add_to_select(int& nfds, LargeFdSet& fds, timeval& timeout, int& block) {
    snmp_sess_select_info2(handle_.get(), &nfds, fds.get(), &timeout, &block);
}

void Session::read(LargeFdSet& fds) {
    snmp_sess_read2(handle_.get(), fds.get());
}

void Session::handle_timeouts() {
    snmp_sess_timeout(handle_.get());
}

std::vector<VarBind> to_varbinds(const netsnmp_pdu& pdu) {
    std::vector<VarBind> out;
    for (const netsnmp_variable_list* v = pdu.variables; v; v = v->next_variable) {
        VarBind vb;
        vb.name.reserve(v->name_length);
        for (size_t i = 0; i < v->name_length; ++i) vb.name.push_back(static_cast<uint32_t>(v->name[i]));
        switch (v->type) {
            case ASN_INTEGER:
                vb.type = VarType::integer;
                if (v->val.integer) vb.integer = *v->val.integer;
                break;
            case ASN_GAUGE:
            case ASN_COUNTER:
            case ASN_TIMETICKS:
                vb.type = VarType::unsigned_int;
                if (v->val.integer) vb.integer = static_cast<int64_t>(static_cast<uint32_t>(*v->val.integer));
                break;
            case ASN_COUNTER64:
                vb.type = VarType::unsigned_int;
                if (v->val.counter64) {
                    uint64_t u =
                        (static_cast<uint64_t>(v->val.counter64->high) << 32) | v->val.counter64->low;
                    vb.integer = u > static_cast<uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(u);
                }
                break;
            case ASN_OCTET_STR:
            case ASN_OPAQUE:
            case ASN_IPADDRESS:
                vb.type = VarType::octets;
                if (v->val.string) vb.bytes.assign(reinterpret_cast<const char*>(v->val.string), v->val_len);
                break;
            case ASN_NULL:
                vb.type = VarType::null;
                break;
            case SNMP_NOSUCHOBJECT:
                vb.type = VarType::no_such_object;
                break;
            case SNMP_NOSUCHINSTANCE:
                vb.type = VarType::no_such_instance;
                break;
            case SNMP_ENDOFMIBVIEW:
                vb.type = VarType::end_of_mib_view;
                break;
            default:
                vb.type = VarType::other;
                break;
        }
        out.push_back(std::move(vb));
    }
    return out;
}

Error report_error(const netsnmp_pdu& pdu, const std::string& olt) {
    // usmStats (RFC 3414 §5): .1.3.6.1.6.3.15.1.1.<n>.0
    static const oid usm_stats[] = {1, 3, 6, 1, 6, 3, 15, 1, 1};
    const netsnmp_variable_list* v = pdu.variables;
    if (v && v->name_length >= OID_LENGTH(usm_stats) + 1 &&
        snmp_oid_compare(v->name, OID_LENGTH(usm_stats), usm_stats, OID_LENGTH(usm_stats)) == 0) {
        switch (v->name[OID_LENGTH(usm_stats)]) {
            case 1:
                return make_error(Errc::denied,
                                  olt + ": the OLT refused the security level (authPriv) for this user");
            case 2:
                return make_error(Errc::denied, olt + ": SNMPv3 message outside the time window");
            case 3:
                return make_error(Errc::denied, olt + ": unknown SNMPv3 user");
            case 4:
                return make_error(Errc::denied, olt + ": unknown SNMPv3 engine ID");
            case 5:
                return make_error(Errc::denied,
                                  olt + ": SNMPv3 authentication failed (wrong auth passphrase or protocol)");
            case 6:
                return make_error(Errc::denied,
                                  olt + ": SNMPv3 decryption failed (wrong priv passphrase or protocol)");
            default:
                break;
        }
    }
    return make_error(
        Errc::denied,
        olt + ": the OLT answered with an SNMP report" +
            (v ? " " + format_oid(std::vector<uint32_t>(v->name, v->name + v->name_length)) : std::string()));
}

}  // namespace cpe::bridge::olt
