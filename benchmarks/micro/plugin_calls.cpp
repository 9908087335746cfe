// What running a plugin in a broker child costs per call, against the same
// plugin in moat's process (issue 11's number: goal <= 1 ms per call).
//
//   plugin_calls [N]
//
// Opens moat's own `host` plugin twice, once in-process and once in a
// moat-plugin-broker, and times describe() (no I/O: the call itself is the
// cost) N times each (default 200), interleaved in ABBA blocks after a
// warm-up so drift on a noisy machine hits both alike. Prints the medians,
// p90s, their difference (the broker's cost per call) and ratio, and the
// median cost of opening an instance each way (for a broker: starting the
// child, loading the plugin, create()). Asserts nothing.
#include <moat/core/plugin_registry.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#ifndef MOAT_BENCH_PLUGIN_DIR
#error "MOAT_BENCH_PLUGIN_DIR must name the build tree's plugin folder"
#endif

namespace {

using Clock = std::chrono::steady_clock;
using moat::core::Isolation;

double micros(Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

double quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(std::lround(q * static_cast<double>(v.size() - 1)));
  return v[std::min(i, v.size() - 1)];
}

moat::core::PluginRegistry registry_for(Isolation where) {
  moat::core::RegistryOptions o;
  o.search_dirs = {MOAT_BENCH_PLUGIN_DIR};
  o.shipped_dirs = {MOAT_BENCH_PLUGIN_DIR};
  o.examiner = MOAT_BENCH_EXAMINER;
  o.broker = MOAT_BENCH_BROKER;
  o.plugin_host.isolation["host"] = where;
  return moat::core::PluginRegistry(o);
}

double time_once(const std::function<void()>& f) {
  const auto t = Clock::now();
  f();
  return micros(Clock::now() - t);
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::max(10, std::atoi(argv[1])) : 200;
  auto in_process = registry_for(Isolation::in_process);
  auto brokered = registry_for(Isolation::process);
  in_process.discover();
  brokered.discover();
  auto a = in_process.open("host", {});
  auto b = brokered.open("host", {});
  if (a->isolation() != Isolation::in_process || b->isolation() != Isolation::process) {
    std::fputs("plugin_calls: the two instances do not run where asked\n", stderr);
    return 70;
  }

  for (int i = 0; i < 20; ++i) {  // warm-up: caches, page faults, the broker's first allocations
    (void)a->describe();
    (void)b->describe();
  }
  std::vector<double> ta, tb;
  for (int i = 0; i < n; i += 2) {
    // ABBA: each pair of blocks starts with the other side.
    const bool a_first = (i / 2) % 2 == 0;
    for (int k = 0; k < 2; ++k) {
      if ((k == 0) == a_first)
        ta.push_back(time_once([&] { (void)a->describe(); }));
      else
        tb.push_back(time_once([&] { (void)b->describe(); }));
    }
    for (int k = 0; k < 2; ++k) {
      if ((k == 0) != a_first)
        ta.push_back(time_once([&] { (void)a->describe(); }));
      else
        tb.push_back(time_once([&] { (void)b->describe(); }));
    }
  }

  std::vector<double> oa, ob;
  for (int i = 0; i < 20; ++i) {
    oa.push_back(time_once([&] { (void)in_process.open("host", {}); }));
    ob.push_back(time_once([&] { (void)brokered.open("host", {}); }));
  }

  const double ma = quantile(ta, 0.5), mb = quantile(tb, 0.5);
  std::printf("plugin: host (describe(), no I/O); %zu calls each way, interleaved ABBA, after 20 warm-up calls\n",
              ta.size());
  std::printf("%-40s %10.1f us   (p90 %.1f us)\n", "in-process call, median", ma, quantile(ta, 0.9));
  std::printf("%-40s %10.1f us   (p90 %.1f us)\n", "broker call, median", mb, quantile(tb, 0.9));
  std::printf("%-40s %10.1f us   (goal <= 1000 us)\n", "broker cost per call (median difference)", mb - ma);
  std::printf("%-40s %10.2f\n", "ratio broker / in-process", mb / ma);
  std::printf("%-40s %10.1f us\n", "open in-process (create), median of 20", quantile(oa, 0.5));
  std::printf("%-40s %10.1f us\n", "open in a broker (spawn+load+create), median of 20", quantile(ob, 0.5));
  return 0;
}
