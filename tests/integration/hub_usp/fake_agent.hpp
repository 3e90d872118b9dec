// A minimal USP agent for the hub's tests and load benchmark: an lws WebSocket client (own EventLoop on its
// own thread) that speaks TR-369's WebSocket MTP — subprotocol v1.usp, ?eid= in the URL, a
// WebSocketConnect record first, then Boot! — and answers Get/GetInstances/Set/Operate/Add from a small
// in-memory model. It can also misbehave on purpose (raw bytes, wrong from_id, no subprotocol).
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "net/event_loop.hpp"
#include "usp/msg.hpp"
#include "usp/record.hpp"

namespace cpe::hub::test {

struct FakeAgentOptions {
    std::string endpoint_id = "os::0C8063-FAKE0001";
    std::string host = "127.0.0.1";
    int port = 0;
    std::string path = "/usp";
    bool put_eid_in_url = true;
    std::string subprotocol = "v1.usp";  // "" = send no Sec-WebSocket-Protocol
    // Sec-WebSocket-Extensions: bbf-usp-protocol. Off: a libwebsockets client built with extensions
    // (Debian's) fails the handshake on an extension it does not implement when the hub echoes it
    // (hub_usp_test checks the echo raw).
    bool offer_extension = false;
    bool send_boot = true;
    bool boot_send_resp = true;
    std::string record_from_id;  // "" = endpoint_id
    std::string controller_id = "self::cpe-hub";
    bool tls = false;
    std::string ca_path, cert_path, key_path;
    std::string source_address;  // bind the client socket here (load generator)
    // Operate of these commands is answered as an asynchronous command (TR-369: OperateResp with req_obj_path
    // "Device.LocalAgent.Request.<n>."); the test sends the OperationComplete itself (send_notify).
    std::vector<std::string> async_commands;
    // Operate of these commands is answered with a USP Error of that code (e.g. 7005 resources exceeded).
    std::map<std::string, uint32_t> command_errors;
    // Operate of these commands is answered synchronously with these output arguments.
    std::map<std::string, usp::StrMap> command_outputs;
};

struct ReceivedMsg {
    usp::MsgType type = usp::MsgType::error;
    std::string msg_id;
    uint32_t err_code = 0;  // for Error messages
    std::string err_msg;
    // Operate requests: the command, its key and input arguments. Add requests: the first object's
    // parameters.
    std::string command, command_key;
    usp::StrMap args;
};

class FakeAgent {
  public:
    using Model = std::map<std::string, usp::StrMap>;  // object path ("Device.DeviceInfo.") → params

    explicit FakeAgent(FakeAgentOptions options, Model model = default_model());
    ~FakeAgent();
    FakeAgent(const FakeAgent&) = delete;
    FakeAgent& operator=(const FakeAgent&) = delete;

    // Waits (bounded) for the handshake to finish / the connection to end.
    // True once the WebSocket was established, even when the hub closed it before this call saw it open.
    bool wait_connected(int timeout_ms = 10000);
    bool wait_closed(int timeout_ms = 10000);
    bool connected() const { return connected_; }
    bool closed() const { return closed_; }
    int close_code() const { return close_code_; }  // from the server's close frame, 0 if none
    std::string server_extensions();                // the server's Sec-WebSocket-Extensions, "" if none
    std::string error();                            // connection error text, if any

    // Sends bytes as one binary WebSocket message (no record wrapping) / a text message.
    void send_raw(std::vector<uint8_t> bytes, bool text = false);
    // Wraps a Msg in a no_session_context record from this agent.
    void send_msg(const usp::Bytes& msg);
    void send_notify(const usp::Notify& notify, const std::string& msg_id);

    // Waits until a received message satisfies `pred`; returns it.
    std::optional<ReceivedMsg> wait_for(const std::function<bool(const ReceivedMsg&)>& pred,
                                        int timeout_ms = 10000);
    std::vector<ReceivedMsg> received();
    size_t gets_answered() const { return gets_answered_; }
    // When set, the agent ignores requests (to test timeouts).
    void set_silent(bool silent) { silent_ = silent; }

    static Model default_model();

  private:
    static int callback(lws* wsi, lws_callback_reasons reason, void* user, void* in, size_t len);
    int on_callback(lws* wsi, lws_callback_reasons reason, void* in, size_t len);
    void connect();
    void queue(std::vector<uint8_t> bytes, bool text = false);
    void handle(const std::vector<uint8_t>& record);
    usp::Bytes answer(const usp::Msg& msg);

    FakeAgentOptions options_;
    Model model_;
    std::unique_ptr<net::EventLoop> loop_;
    std::thread thread_;
    lws_vhost* vhost_ = nullptr;
    lws* wsi_ = nullptr;
    std::string path_;
    std::deque<std::pair<std::vector<uint8_t>, bool>> out_;
    std::vector<uint8_t> rx_;
    uint64_t next_id_ = 1;

    std::mutex mutex_;  // guards the fields below
    std::condition_variable cv_;
    std::vector<ReceivedMsg> received_;
    std::string server_ext_;
    std::string error_;
    std::atomic<bool> connected_{false};
    std::atomic<bool> ever_connected_{false};  // reached ESTABLISHED, even if the hub closed it right after
    std::atomic<bool> closed_{false};
    std::atomic<int> close_code_{0};
    std::atomic<size_t> gets_answered_{0};
    std::atomic<bool> silent_{false};
};

}  // namespace cpe::hub::test
