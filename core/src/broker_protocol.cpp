#include <moat/core/broker_protocol.hpp>

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <ctime>

#include <fmt/format.h>

namespace moat::core::broker {

namespace {

bool is_op_name(std::string_view s) {
  if (s.empty() || s.size() > 32) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || c == '_')) return false;
  return true;
}

template <typename T>
bool parse_number(std::string_view s, T& out) {
  if (s.empty()) return false;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size();
}

// Splits "a b c" into exactly three words.
bool three_words(std::string_view line, std::string_view& a, std::string_view& b, std::string_view& c) {
  const auto p1 = line.find(' ');
  if (p1 == std::string_view::npos) return false;
  const auto p2 = line.find(' ', p1 + 1);
  if (p2 == std::string_view::npos || line.find(' ', p2 + 1) != std::string_view::npos) return false;
  a = line.substr(0, p1);
  b = line.substr(p1 + 1, p2 - p1 - 1);
  c = line.substr(p2 + 1);
  return true;
}

}  // namespace

std::string request_header(std::string_view op, bool cancelled, std::uint64_t length) {
  return fmt::format("{} {} {}\n", op, cancelled ? 1 : 0, length);
}

std::string answer_header(char kind, int code, std::uint64_t length) {
  return fmt::format("{} {} {}\n", kind, code, length);
}

std::optional<RequestHeader> parse_request_header(std::string_view line) {
  std::string_view op, flag, length;
  if (!three_words(line, op, flag, length) || !is_op_name(op) || (flag != "0" && flag != "1")) return std::nullopt;
  RequestHeader h{std::string(op), flag == "1", 0};
  if (!parse_number(length, h.length)) return std::nullopt;
  return h;
}

std::optional<AnswerHeader> parse_answer_header(std::string_view line) {
  std::string_view kind, code, length;
  if (!three_words(line, kind, code, length) || (kind != "A" && kind != "L" && kind != "O")) return std::nullopt;
  AnswerHeader h{kind.front(), 0, 0};
  if (!parse_number(code, h.code) || !parse_number(length, h.length)) return std::nullopt;
  return h;
}

bool write_all(int fd, std::string_view data) {
  // SIGPIPE is blocked for this thread while writing, and one raised by a
  // closed pipe is taken back before unblocking: EPIPE is the answer.
  sigset_t pipe_only, old;
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  sigset_t pending;
  sigemptyset(&pending);
  ::pthread_sigmask(SIG_BLOCK, &pipe_only, &old);
  sigpending(&pending);
  const bool was_pending = sigismember(&pending, SIGPIPE) == 1;
  bool ok = true;
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ok = false;
      if (errno == EPIPE && !was_pending) {
        const timespec zero{0, 0};
        while (::sigtimedwait(&pipe_only, nullptr, &zero) < 0 && errno == EINTR) {
        }
      }
      break;
    }
    done += static_cast<std::size_t>(n);
  }
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  return ok;
}

}  // namespace moat::core::broker
