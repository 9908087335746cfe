// The pipe protocol between moat and moat-plugin-broker: framed, so a JSON
// body may hold any byte and a reader knows a frame's size before reading it.
//
//   moat -> broker (stdin)    "<op> <cancelled 0|1> <length>\n" <length bytes: the request>
//   broker -> moat (stdout)   "A <status> <length>\n" <length bytes: the answer>
//                             "L <level> <length>\n"  <length bytes: a log line>
//                             "O <stream> <length>\n" <length bytes: command output, stream 1 or 2>
// During sandbox_exec_interactive (ABI 1.1) moat also sends the caller's
// input on stdin, as frames of the request header's form: "input_data 0 N"
// (N bytes of input, at most kMaxInputFrame), "input_eof 0 0", "input_resize
// 0 N" ("<rows> <cols>"), "input_stop 0 0" (the caller stopped); and, once
// it has the answer, "input_done 0 0", after which the broker reads
// requests again.
// The first request is "create" (its body the plugin's configuration; its
// answer's body the error when it fails). Log frames may come at any time
// before the answer, and output frames during sandbox_exec_stream (ABI 1.1),
// whose reader may stop listening: it sends SIGUSR1, and the broker's sink
// then refuses more (the plugin ends the command). End of file on stdin: the broker destroys the instance
// and exits 0. SIGUSR1 to the broker: the host was interrupted (cancelled()
// turns true). The broker keeps its stdout for the protocol: whatever the
// plugin prints goes to stderr.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace moat::core::broker {

// A header line longer than this is a broken peer.
inline constexpr std::size_t kMaxHeader = 64;
// A log line longer than this is cut by the broker.
inline constexpr std::size_t kMaxLogLine = std::size_t{16} * 1024;
// The broker cuts command output into frames of at most this.
inline constexpr std::size_t kMaxOutputFrame = std::size_t{256} * 1024;
// moat cuts interactive input into frames of at most this.
inline constexpr std::size_t kMaxInputFrame = std::size_t{64} * 1024;

struct RequestHeader {
  std::string op;
  bool cancelled = false;
  std::uint64_t length = 0;
};

struct AnswerHeader {
  char kind = 'A';  // 'A' answer, 'L' log line, 'O' command output
  int code = 0;     // the moat_status, the moat_log_level, or the output stream
  std::uint64_t length = 0;
};

[[nodiscard]] std::string request_header(std::string_view op, bool cancelled, std::uint64_t length);
[[nodiscard]] std::string answer_header(char kind, int code, std::uint64_t length);
// Each parses one line without its '\n'; nullopt when malformed.
[[nodiscard]] std::optional<RequestHeader> parse_request_header(std::string_view line);
[[nodiscard]] std::optional<AnswerHeader> parse_answer_header(std::string_view line);

// Writes all of `data`; false on an error (the peer is gone). A closed pipe
// is an error here, never a SIGPIPE.
bool write_all(int fd, std::string_view data);

}  // namespace moat::core::broker
