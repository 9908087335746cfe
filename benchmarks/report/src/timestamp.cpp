#include <moat/bench/report/timestamp.hpp>

#include <cstdio>
#include <ctime>

namespace moat::bench {

std::string format_rfc3339(std::chrono::system_clock::time_point tp) {
  using namespace std::chrono;
  const auto since_epoch = tp.time_since_epoch();
  auto secs = duration_cast<seconds>(since_epoch);
  auto micros = duration_cast<microseconds>(since_epoch - secs).count();
  if (micros < 0) {  // before 1970: keep the fraction positive
    secs -= seconds(1);
    micros += 1000000;
  }
  const std::time_t tt = static_cast<std::time_t>(secs.count());
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[80];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<long long>(micros));
  return buf;
}

std::string now_rfc3339() { return format_rfc3339(std::chrono::system_clock::now()); }

}  // namespace moat::bench
