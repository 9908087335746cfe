// The only translation unit of the engine client that includes Beast/Asio.
//
// Deadlines: each connection owns a single-threaded io_context. An operation
// is started asynchronously and the context is run until the operation's
// handler ran or the deadline passed; in the second case the socket is closed
// (cancelling the operation), the aborted handler is drained, and a timeout
// is thrown. This gives every read, write and connect a hard deadline without
// a timer per operation.
#include <utility>  // before any Asio include: Boost 1.74 Asio + C++20 needs std::exchange declared

#include "unix_http_connection.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/beast/core/buffer_traits.hpp>
#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/file.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/file_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <strings.h>
#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <limits>

namespace moat::engine::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using unix_socket = asio::local::stream_protocol;
using error_code = boost::system::error_code;

namespace {

int errno_of(const error_code& ec) { return ec.category() == boost::system::system_category() ? ec.value() : 0; }

// Errors that mean "the peer went away" rather than "something is wrong with
// what we sent": on a reused idle connection they are worth one retry.
bool is_disconnect(const error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe;
}

// http::string_body, except that its reader does not reserve what
// Content-Length announces up front: an engine (broken, or something else
// listening on the socket) announcing 2^62 bytes must not make the client
// allocate them before a byte arrived. The body grows as bytes come in,
// which the caller's deadline bounds.
struct ResponseBody : http::string_body {
  // Reserved ahead at most: enough for every JSON answer without regrowth.
  static constexpr std::uint64_t max_reserve = 1 << 20;

  class reader {
   public:
    template <bool isRequest, class Fields>
    reader(http::header<isRequest, Fields>&, value_type& body) : body_(body) {}

    void init(const boost::optional<std::uint64_t>& length, error_code& ec) {
      if (length) body_.reserve(static_cast<std::size_t>(std::min(*length, max_reserve)));
      ec = {};
    }

    template <class ConstBufferSequence>
    std::size_t put(const ConstBufferSequence& buffers, error_code& ec) {
      const std::size_t extra = beast::buffer_bytes(buffers);
      if (extra > body_.max_size() - body_.size()) {
        ec = http::error::buffer_overflow;
        return 0;
      }
      for (const auto piece : beast::buffers_range_ref(buffers))
        body_.append(static_cast<const char*>(piece.data()), piece.size());
      ec = {};
      return extra;
    }

    void finish(error_code& ec) { ec = {}; }

   private:
    value_type& body_;
  };
};

}  // namespace

std::string HttpResponse::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key.size() == name.size() && ::strncasecmp(key.data(), name.data(), name.size()) == 0) return value;
  }
  return {};
}

struct UnixHttpConnection::Impl {
  explicit Impl(std::string path) : socket_path(std::move(path)) {}

  std::string socket_path;
  asio::io_context io{1};
  unix_socket::socket socket{io};
  beast::flat_buffer buffer;
  bool open = false;
  bool keep_alive = false;
  std::function<bool()> cancelled;

  void close() noexcept {
    error_code ignored;
    socket.close(ignored);
    open = false;
    keep_alive = false;
    buffer.consume(buffer.size());
  }

  // Runs the io_context until the started operation set `done`, or closes the
  // socket and throws once the deadline passes or the cancellation check
  // (asked every tick) says stop.
  void run(const bool& done, Clock::time_point deadline) {
    static constexpr auto tick = std::chrono::milliseconds(100);
    bool stop = false;
    for (;;) {
      const auto now = Clock::now();
      io.restart();
      io.run_until(cancelled ? std::min(deadline, now + tick) : deadline);
      if (done) return;
      if (Clock::now() >= deadline) break;
      if (cancelled && cancelled()) {
        stop = true;
        break;
      }
    }
    close();
    io.restart();
    io.run();  // the cancelled handler runs now and touches only locals still alive here
    if (stop) throw TransportError(TransportError::Kind::cancelled, ECANCELED, "cancelled", false);
    throw TransportError(TransportError::Kind::timeout, ETIMEDOUT, "deadline passed", false);
  }

  template <class Message>
  void write(Message& message, Clock::time_point deadline) {
    bool done = false;
    error_code ec;
    http::async_write(socket, message, [&](const error_code& e, std::size_t) {
      ec = e;
      done = true;
    });
    run(done, deadline);
    if (ec) {
      close();
      throw TransportError(TransportError::Kind::io, errno_of(ec), "sending the request failed: " + ec.message(),
                           is_disconnect(ec));
    }
  }

  template <class Message>
  void prepare(Message& message, const HttpRequest& request) {
    message.version(11);
    message.method(http::string_to_verb(request.method));
    message.target(request.target);
    // Any Host works over a unix socket; this is what the Go client sends.
    message.set(http::field::host, "api.moby.localhost");
    message.set(http::field::user_agent, "moat");
    if (!request.content_type.empty()) message.set(http::field::content_type, request.content_type);
  }

  void send_request(const HttpRequest& request, Clock::time_point deadline, bool upgrade) {
    if (!request.body_file.empty()) {
      http::request<http::file_body> message;
      prepare(message, request);
      beast::error_code ec;
      message.body().open(request.body_file.c_str(), beast::file_mode::scan, ec);
      if (ec) {
        throw TransportError(TransportError::Kind::file, errno_of(ec),
                             "cannot read " + request.body_file + ": " + ec.message(), true);
      }
      message.prepare_payload();
      write(message, deadline);
      return;
    }
    http::request<http::string_body> message;
    prepare(message, request);
    if (upgrade) {
      message.set(http::field::connection, "Upgrade");
      message.set(http::field::upgrade, "tcp");
    }
    message.body() = request.body;
    message.prepare_payload();
    write(message, deadline);
  }

  template <class Parser, class Reader>
  void read(Parser& parser, Clock::time_point deadline, Reader reader) {
    bool done = false;
    error_code ec;
    reader(parser, [&](const error_code& e, std::size_t) {
      ec = e;
      done = true;
    });
    run(done, deadline);
    if (ec) {
      const bool nothing = !parser.got_some() && is_disconnect(ec);
      close();
      throw TransportError(TransportError::Kind::io, errno_of(ec), "reading the response failed: " + ec.message(),
                           nothing);
    }
  }

  // A new exchange on this connection: nothing of the last one kept.
  void begin(const HttpRequest& request, Clock::time_point deadline, bool upgrade) {
    keep_alive = false;
    buffer.consume(buffer.size());
    send_request(request, deadline, upgrade);
  }

  template <class Parser>
  void read_header(Parser& parser, Clock::time_point deadline) {
    read(parser, deadline,
         [this](auto& p, auto handler) { http::async_read_header(socket, buffer, p, std::move(handler)); });
  }

  template <class Parser>
  static HttpResponse to_response(Parser& parser) {
    HttpResponse response;
    auto& message = parser.get();
    response.status = static_cast<int>(message.result_int());
    for (const auto& field : message) {
      response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    return response;
  }

  template <class Parser>
  static void configure(Parser& parser) {
    // Logs and image streams can be large; the caller's deadline bounds them.
    // Not boost::none: Boost 1.74 compares `length > body_limit_` on the
    // optional, and a disengaged optional is less than every length, so a
    // non-eager read of any Content-Length body fails with "body limit exceeded".
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    parser.header_limit(64 * 1024);
  }
};

UnixHttpConnection::UnixHttpConnection(std::string socket_path)
    : impl_(std::make_unique<Impl>(std::move(socket_path))) {}

UnixHttpConnection::~UnixHttpConnection() {
  if (impl_) impl_->close();
}

void UnixHttpConnection::set_cancelled(std::function<bool()> cancelled) { impl_->cancelled = std::move(cancelled); }

bool UnixHttpConnection::reusable() const noexcept {
  return impl_->open && impl_->keep_alive && impl_->buffer.size() == 0;
}

void UnixHttpConnection::connect(Clock::time_point deadline) {
  auto& d = *impl_;
  d.close();
  unix_socket::endpoint endpoint;
  try {
    endpoint = unix_socket::endpoint(d.socket_path);
  } catch (const boost::system::system_error& e) {  // path longer than sun_path
    throw TransportError(TransportError::Kind::connect, errno_of(e.code()), e.code().message(), true);
  }
  bool done = false;
  error_code ec;
  d.socket.async_connect(endpoint, [&](const error_code& e) {
    ec = e;
    done = true;
  });
  d.run(done, deadline);
  if (ec) {
    d.close();
    throw TransportError(TransportError::Kind::connect, errno_of(ec), ec.message(), true);
  }
  d.open = true;
}

HttpResponse UnixHttpConnection::exchange(const HttpRequest& request, Clock::time_point deadline) {
  auto& d = *impl_;
  d.begin(request, deadline, false);

  http::response_parser<ResponseBody> parser;
  Impl::configure(parser);
  // HEAD responses carry Content-Length without a body.
  if (request.method == "HEAD") parser.skip(true);
  d.read(parser, deadline,
         [&d](auto& p, auto handler) { http::async_read(d.socket, d.buffer, p, std::move(handler)); });

  HttpResponse response = Impl::to_response(parser);
  d.keep_alive = parser.get().keep_alive();
  response.body = std::move(parser.get().body());
  if (!d.keep_alive) d.close();
  return response;
}

HttpResponse UnixHttpConnection::exchange_streamed(const HttpRequest& request, Clock::time_point deadline,
                                                   const std::function<void(std::string_view)>& on_data) {
  auto& d = *impl_;
  d.begin(request, deadline, false);

  http::response_parser<http::buffer_body> parser;
  Impl::configure(parser);
  d.read_header(parser, deadline);
  HttpResponse response = Impl::to_response(parser);
  const bool streamed = response.status >= 200 && response.status < 300;

  std::array<char, std::size_t{64} * 1024> chunk{};
  while (!parser.is_done()) {
    auto& body = parser.get().body();
    body.data = chunk.data();
    body.size = chunk.size();
    bool done = false;
    error_code ec;
    // read_some: a piece as soon as the engine sends it (a followed log
    // trickles), not once 64 KiB have come.
    http::async_read_some(d.socket, d.buffer, parser, [&](const error_code& e, std::size_t) {
      ec = e;
      done = true;
    });
    d.run(done, deadline);
    if (ec == http::error::need_buffer) ec = {};
    if (ec) {
      d.close();
      throw TransportError(TransportError::Kind::io, errno_of(ec), "reading the response failed: " + ec.message(),
                           false);
    }
    const std::string_view piece(chunk.data(), chunk.size() - parser.get().body().size);
    if (streamed) {
      if (!piece.empty()) on_data(piece);
    } else {
      response.body.append(piece);
    }
  }
  d.keep_alive = parser.get().keep_alive();
  if (!d.keep_alive) d.close();
  return response;
}

HttpResponse UnixHttpConnection::exchange_hijacked(const HttpRequest& request, Clock::time_point deadline,
                                                   const std::function<void(std::string_view)>& on_data) {
  return exchange_hijacked(request, deadline, on_data, Duplex{});
}

HttpResponse UnixHttpConnection::exchange_hijacked(const HttpRequest& request, Clock::time_point deadline,
                                                   const std::function<void(std::string_view)>& on_data,
                                                   const Duplex& duplex) {
  auto& d = *impl_;
  d.begin(request, deadline, true);

  http::response_parser<ResponseBody> parser;
  Impl::configure(parser);
  d.read_header(parser, deadline);
  HttpResponse response = Impl::to_response(parser);

  if (response.status != 101 && response.status != 200) {
    // An ordinary error answer (404 no such exec, 409 not running, ...).
    if (!parser.is_done()) {
      d.read(parser, deadline,
             [&d](auto& p, auto handler) { http::async_read(d.socket, d.buffer, p, std::move(handler)); });
    }
    response.body = std::move(parser.get().body());
    d.close();
    return response;
  }

  // From here the socket is a raw stream; bytes that arrived with the header
  // are already in the buffer.
  if (duplex.started) duplex.started(d.socket.native_handle());
  // Whatever ends the reading, the writer is stopped before the socket goes.
  struct Finish {
    const std::function<void()>& finishing;
    ~Finish() {
      if (finishing) finishing();
    }
  } finish{duplex.finishing};
  if (d.buffer.size() > 0) {
    const auto early = d.buffer.data();  // flat_buffer: one contiguous piece
    on_data(std::string_view(static_cast<const char*>(early.data()), early.size()));
    d.buffer.consume(d.buffer.size());
  }

  std::array<char, std::size_t{64} * 1024> chunk{};
  for (;;) {
    bool done = false;
    error_code ec;
    std::size_t received = 0;
    d.socket.async_read_some(asio::buffer(chunk), [&](const error_code& e, std::size_t n) {
      ec = e;
      received = n;
      done = true;
    });
    d.run(done, deadline);
    if (received > 0) on_data(std::string_view(chunk.data(), received));
    if (ec == asio::error::eof) break;
    if (ec) {
      d.close();
      throw TransportError(TransportError::Kind::io, errno_of(ec), "reading the stream failed: " + ec.message(), false);
    }
  }
  d.close();
  return response;
}

}  // namespace moat::engine::detail
