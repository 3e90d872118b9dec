#include "fake_agent.hpp"

#include <chrono>
#include <cstring>

namespace cpe::hub::test {

FakeAgent::Model FakeAgent::default_model() {
    return {
        {"Device.DeviceInfo.",
         {{"ModelName", "FakeModel"},
          {"SerialNumber", "FAKE0001"},
          {"ManufacturerOUI", "0C8063"},
          {"ProductClass", "FakeClass"},
          {"SoftwareVersion", "1.2.3"}}},
        {"Device.Ethernet.Interface.1.", {{"MACAddress", "0c:80:63:00:00:01"}}},
        {"Device.Hosts.Host.1.",
         {{"HostName", "laptop"}, {"PhysAddress", "aa:bb:cc:00:00:01"}, {"IPAddress", "192.168.1.10"}}},
        {"Device.Hosts.Host.2.",
         {{"HostName", "phone"}, {"PhysAddress", "aa:bb:cc:00:00:02"}, {"IPAddress", "192.168.1.11"}}},
    };
}

FakeAgent::FakeAgent(FakeAgentOptions options, Model model)
    : options_(std::move(options)), model_(std::move(model)) {
    if (options_.record_from_id.empty()) options_.record_from_id = options_.endpoint_id;
    net::LoopOptions lo;
    lo.lws_log_mask = 0;
    auto loop = net::EventLoop::create(lo);
    if (!loop) {
        error_ = loop.error().message;
        closed_ = true;
        return;
    }
    loop_ = std::move(loop).value();
    net::VhostOptions vo;
    vo.name = "fake-agent";
    vo.client_ca_path = options_.ca_path;
    vo.client_cert_path = options_.cert_path;
    vo.client_key_path = options_.key_path;
    lws_protocols p{};
    p.name = "v1.usp";
    p.callback = &FakeAgent::callback;
    p.rx_buffer_size = 65536;
    p.user = this;
    vo.protocols.push_back(p);
    auto vh = loop_->create_vhost(vo);
    if (!vh) {
        error_ = vh.error().message;
        closed_ = true;
        return;
    }
    vhost_ = *vh;
    path_ = options_.path;
    if (options_.put_eid_in_url) {
        std::string eid;
        for (char c : options_.endpoint_id) {
            if (c == ':')
                eid += "%3A";
            else
                eid += c;
        }
        path_ += "?eid=" + eid;
    }
    connect();
    thread_ = std::thread([this] { loop_->run(); });
}

FakeAgent::~FakeAgent() {
    if (!loop_) return;
    loop_->stop();
    if (thread_.joinable()) thread_.join();
    loop_.reset();
}

void FakeAgent::connect() {
    lws_client_connect_info ci{};
    ci.context = loop_->context();
    ci.vhost = vhost_;
    ci.address = options_.host.c_str();
    ci.port = options_.port;
    ci.path = path_.c_str();
    ci.host = options_.host.c_str();
    ci.origin = options_.host.c_str();
    ci.protocol = options_.subprotocol.empty() ? nullptr : options_.subprotocol.c_str();
    ci.local_protocol_name = "v1.usp";
    ci.pwsi = &wsi_;
    if (!options_.source_address.empty()) ci.iface = options_.source_address.c_str();
    if (options_.tls) ci.ssl_connection = LCCSCF_USE_SSL | LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK;
    if (!lws_client_connect_via_info(&ci)) {
        std::lock_guard<std::mutex> lock(mutex_);
        error_ = "lws_client_connect_via_info failed";
        closed_ = true;
    }
}

int FakeAgent::callback(lws* wsi, lws_callback_reasons reason, void* /*user*/, void* in, size_t len) {
    const lws_protocols* p = lws_get_protocol(wsi);
    auto* self = p ? static_cast<FakeAgent*>(p->user) : nullptr;
    if (!self) return 0;
    return self->on_callback(wsi, reason, in, len);
}

int FakeAgent::on_callback(lws* wsi, lws_callback_reasons reason, void* in, size_t len) {
    switch (reason) {
        case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER: {
            if (!options_.offer_extension) return 0;
            auto** p = static_cast<char**>(in);
            std::string line =
                "Sec-WebSocket-Extensions: bbf-usp-protocol; eid=\"" + options_.endpoint_id + "\"\r\n";
            if (line.size() >= len) return -1;
            std::memcpy(*p, line.data(), line.size());
            *p += line.size();
            return 0;
        }
        case LWS_CALLBACK_CLIENT_FILTER_PRE_ESTABLISH: {
            int n = lws_hdr_total_length(wsi, WSI_TOKEN_EXTENSIONS);
            if (n > 0) {
                std::string ext(static_cast<size_t>(n) + 1, '\0');
                lws_hdr_copy(wsi, ext.data(), n + 1, WSI_TOKEN_EXTENSIONS);
                ext.resize(static_cast<size_t>(n));
                std::lock_guard<std::mutex> lock(mutex_);
                server_ext_ = ext;
            }
            return 0;
        }
        case LWS_CALLBACK_CLIENT_ESTABLISHED: {
            queue(usp::encode_websocket_connect_record(options_.controller_id, options_.record_from_id));
            if (options_.send_boot) {
                usp::Notify boot;
                boot.subscription_id = "";
                boot.send_resp = options_.boot_send_resp;
                boot.notification = usp::Notify::Event{"Device.",
                                                       "Boot!",
                                                       {{"Cause", "LocalReboot"},
                                                        {"CommandKey", ""},
                                                        {"FirmwareUpdated", "false"},
                                                        {"ParameterMap", "{}"}}};
                queue(usp::encode_no_session_record(options_.controller_id, options_.record_from_id,
                                                    usp::encode_msg("boot-1", boot)));
            }
            {
                std::lock_guard<std::mutex> lock(mutex_);
                connected_ = true;
                ever_connected_ = true;
            }
            cv_.notify_all();
            return 0;
        }
        case LWS_CALLBACK_CLIENT_RECEIVE: {
            const auto* b = static_cast<const uint8_t*>(in);
            rx_.insert(rx_.end(), b, b + len);
            if (lws_is_final_fragment(wsi) && lws_remaining_packet_payload(wsi) == 0) {
                std::vector<uint8_t> rec;
                rec.swap(rx_);
                handle(rec);
            }
            return 0;
        }
        case LWS_CALLBACK_CLIENT_WRITEABLE: {
            if (out_.empty()) return 0;
            auto [bytes, text] = std::move(out_.front());
            out_.pop_front();
            std::vector<uint8_t> frame(LWS_PRE + bytes.size());
            std::memcpy(frame.data() + LWS_PRE, bytes.data(), bytes.size());
            if (lws_write(wsi, frame.data() + LWS_PRE, bytes.size(),
                          text ? LWS_WRITE_TEXT : LWS_WRITE_BINARY) < static_cast<int>(bytes.size()))
                return -1;
            if (!out_.empty()) lws_callback_on_writable(wsi);
            return 0;
        }
        case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE: {
            if (len >= 2) {
                const auto* b = static_cast<const uint8_t*>(in);
                close_code_ = (b[0] << 8) | b[1];
            }
            return 0;
        }
        case LWS_CALLBACK_CLIENT_CONNECTION_ERROR: {
            std::lock_guard<std::mutex> lock(mutex_);
            error_ = in ? std::string(static_cast<const char*>(in), len) : "connection error";
            closed_ = true;
            wsi_ = nullptr;
            cv_.notify_all();
            return 0;
        }
        case LWS_CALLBACK_CLIENT_CLOSED: {
            std::lock_guard<std::mutex> lock(mutex_);
            closed_ = true;
            connected_ = false;
            wsi_ = nullptr;
            cv_.notify_all();
            return 0;
        }
        default:
            return 0;
    }
}

void FakeAgent::queue(std::vector<uint8_t> bytes, bool text) {
    out_.emplace_back(std::move(bytes), text);
    if (wsi_) lws_callback_on_writable(wsi_);
}

void FakeAgent::send_raw(std::vector<uint8_t> bytes, bool text) {
    loop_->post([this, bytes = std::move(bytes), text]() mutable { queue(std::move(bytes), text); });
}

void FakeAgent::send_msg(const usp::Bytes& msg) {
    send_raw(usp::encode_no_session_record(options_.controller_id, options_.record_from_id, msg));
}

void FakeAgent::send_notify(const usp::Notify& notify, const std::string& msg_id) {
    send_msg(usp::encode_msg(msg_id, notify));
}

void FakeAgent::handle(const std::vector<uint8_t>& bytes) {
    auto rec = usp::decode_record(bytes);
    if (!rec || rec->type() != usp::RecordType::no_session_context) return;
    auto payload = rec->payload();
    if (!payload) return;
    auto msg = usp::decode_msg(*payload);
    if (!msg) return;
    ReceivedMsg r;
    r.type = msg->type();
    r.msg_id = std::string(msg->msg_id());
    if (msg->is_error()) {
        if (auto e = msg->error()) {
            r.err_code = e->err_code;
            r.err_msg = e->err_msg;
        }
    }
    if (r.type == usp::MsgType::operate) {
        if (auto op = msg->operate()) {
            r.command = op->command;
            r.command_key = op->command_key;
            r.args = op->input_args;
        }
    }
    if (r.type == usp::MsgType::add) {
        if (auto add = msg->add(); add && !add->create_objs.empty())
            for (const auto& ps : add->create_objs.front().param_settings) r.args[ps.param] = ps.value;
    }
    if (msg->is_request() && !silent_) {
        usp::Bytes reply = answer(*msg);
        if (!reply.empty())
            queue(usp::encode_no_session_record(options_.controller_id, options_.record_from_id, reply));
    }
    {
        std::lock_guard<std::mutex> lock(mutex_);
        received_.push_back(std::move(r));
    }
    cv_.notify_all();
}

namespace {
// "Device.Ethernet.Interface.*." against "Device.Ethernet.Interface.1.": segment by segment, '*' = any.
bool matches(const std::string& pattern, const std::string& path) {
    size_t i = 0, j = 0;
    while (i < pattern.size() && j < path.size()) {
        size_t pe = pattern.find('.', i), qe = path.find('.', j);
        if (pe == std::string::npos || qe == std::string::npos) return false;
        std::string a = pattern.substr(i, pe - i), b = path.substr(j, qe - j);
        if (a != "*" && a != b) return false;
        i = pe + 1;
        j = qe + 1;
    }
    return i == pattern.size() && j == path.size();
}
}  // namespace

usp::Bytes FakeAgent::answer(const usp::Msg& msg) {
    const std::string id(msg.msg_id());
    switch (msg.type()) {
        case usp::MsgType::get: {
            auto get = msg.get();
            if (!get) return usp::encode_error(id, 7004, get.error().message);
            usp::GetResp resp;
            for (const auto& path : get->param_paths) {
                usp::GetResp::RequestedPathResult r;
                r.requested_path = path;
                const auto dot = path.rfind('.');
                const std::string obj_pattern = path.substr(0, dot + 1);
                const std::string param = path.substr(dot + 1);
                for (const auto& [obj, params] : model_) {
                    if (path.find('*') == std::string::npos && param.empty()) {
                        if (obj.rfind(path, 0) == 0) r.resolved_path_results.push_back({obj, params});
                    } else if (matches(obj_pattern, obj)) {
                        usp::StrMap picked;
                        for (const auto& [k, v] : params)
                            if (param.empty() || k == param) picked[k] = v;
                        if (!picked.empty()) r.resolved_path_results.push_back({obj, picked});
                    }
                }
                if (r.resolved_path_results.empty()) {
                    r.err_code = 7026;
                    r.err_msg = "invalid path: " + path;
                }
                resp.req_path_results.push_back(std::move(r));
            }
            ++gets_answered_;
            return usp::encode_msg(id, resp);
        }
        case usp::MsgType::get_instances: {
            auto gi = msg.get_instances();
            if (!gi) return usp::encode_error(id, 7004, gi.error().message);
            usp::GetInstancesResp resp;
            for (const auto& path : gi->obj_paths) {
                usp::GetInstancesResp::RequestedPathResult r;
                r.requested_path = path;
                for (const auto& [obj, params] : model_)
                    if (obj.rfind(path, 0) == 0 && obj != path) r.curr_insts.push_back({obj, {}});
                resp.req_path_results.push_back(std::move(r));
            }
            return usp::encode_msg(id, resp);
        }
        case usp::MsgType::set: {
            auto set = msg.set();
            if (!set) return usp::encode_error(id, 7004, set.error().message);
            usp::SetResp resp;
            for (const auto& uo : set->update_objs) {
                usp::SetResp::Success ok;
                usp::SetResp::UpdatedInstanceResult ir;
                ir.affected_path = uo.obj_path;
                for (const auto& ps : uo.param_settings) {
                    model_[uo.obj_path][ps.param] = ps.value;
                    ir.updated_params[ps.param] = ps.value;
                }
                ok.updated_inst_results.push_back(std::move(ir));
                resp.updated_obj_results.push_back({uo.obj_path, ok});
            }
            return usp::encode_msg(id, resp);
        }
        case usp::MsgType::operate: {
            auto op = msg.operate();
            if (!op) return usp::encode_error(id, 7004, op.error().message);
            if (auto e = options_.command_errors.find(op->command); e != options_.command_errors.end())
                return usp::encode_error(id, e->second, "fake agent: " + op->command + " refused");
            if (auto o = options_.command_outputs.find(op->command); o != options_.command_outputs.end()) {
                usp::OperateResp resp;
                resp.operation_results.push_back({op->command, usp::OutputArgs{o->second}});
                return usp::encode_msg(id, resp);
            }
            for (const auto& c : options_.async_commands) {
                if (c != op->command) continue;
                usp::OperateResp resp;
                resp.operation_results.push_back(
                    {op->command, usp::OperateResp::ReqObjPath{"Device.LocalAgent.Request." +
                                                               std::to_string(next_id_++) + "."}});
                return usp::encode_msg(id, resp);
            }
            if (op->command != "Device.Reboot()")
                return usp::encode_error(id, 7026, "unknown command " + op->command);
            usp::OperateResp resp;
            resp.operation_results.push_back({op->command, usp::OutputArgs{{{"Status", "Rebooting"}}}});
            return usp::encode_msg(id, resp);
        }
        case usp::MsgType::add: {
            auto add = msg.add();
            if (!add) return usp::encode_error(id, 7004, add.error().message);
            usp::AddResp resp;
            int n = 1;
            for (const auto& co : add->create_objs)
                resp.created_obj_results.push_back(
                    {co.obj_path, usp::AddResp::Success{co.obj_path + std::to_string(n++) + ".", {}, {}}});
            return usp::encode_msg(id, resp);
        }
        default:
            return usp::encode_error(id, 7001, "fake agent: not supported");
    }
}

bool FakeAgent::wait_connected(int timeout_ms) {
    std::unique_lock<std::mutex> lock(mutex_);
    return cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] { return connected_ || closed_; }) &&
           ever_connected_;
}

bool FakeAgent::wait_closed(int timeout_ms) {
    std::unique_lock<std::mutex> lock(mutex_);
    return cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] { return closed_.load(); });
}

std::string FakeAgent::server_extensions() {
    std::lock_guard<std::mutex> lock(mutex_);
    return server_ext_;
}

std::string FakeAgent::error() {
    std::lock_guard<std::mutex> lock(mutex_);
    return error_;
}

std::optional<ReceivedMsg> FakeAgent::wait_for(const std::function<bool(const ReceivedMsg&)>& pred,
                                               int timeout_ms) {
    std::unique_lock<std::mutex> lock(mutex_);
    std::optional<ReceivedMsg> found;
    cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] {
        for (const auto& r : received_)
            if (pred(r)) {
                found = r;
                return true;
            }
        return false;
    });
    return found;
}

std::vector<ReceivedMsg> FakeAgent::received() {
    std::lock_guard<std::mutex> lock(mutex_);
    return received_;
}

}  // namespace cpe::hub::test
