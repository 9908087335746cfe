// Interactive exec over a WebSocket (GET /sandboxes/{name}/exec/ws), for web
// terminals. Client to server: binary messages are the command's stdin as
// is; text messages are JSON controls {"type": "resize", "rows": R, "cols":
// C} and {"type": "eof"}. Server to client: binary messages are output, the
// first byte the stream (1 stdout, 2 stderr) and the rest its bytes; the
// last message is text, {"type": "exit", "exit_code": N} or {"type":
// "error", "error": {"code", "message"}}, then a normal close.
#pragma once

#include <moat/serve/service_pool.hpp>

#include <atomic>
#include <string>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

namespace moat::serve::detail {

// Takes over connected socket `fd` (closing it when done) after `upgrade`
// was read from it, answers the handshake and runs the exec until it ends,
// the client goes, or `stop` is set (the command is then ended).
void run_websocket_exec(int fd, const boost::beast::http::request<boost::beast::http::string_body>& upgrade,
                        ServicePool& pool, const std::atomic<bool>& stop, const std::string& server_name);

}  // namespace moat::serve::detail
