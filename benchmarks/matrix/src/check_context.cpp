#include <moat/matrix/check_context.hpp>

#include <algorithm>
#include <cctype>

namespace moat::matrix {

namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

Deadline::Deadline(std::chrono::milliseconds limit) : start_(clock_type::now()), limit_(limit) {}

double Deadline::limit_s() const { return static_cast<double>(limit_.count()) / 1000.0; }

double Deadline::remaining_s() const {
  const double used = std::chrono::duration<double>(clock_type::now() - start_).count();
  return std::max(0.0, limit_s() - used);
}

void Deadline::check(const std::string& step) const {
  if (remaining_s() <= 0)
    throw CheckTimeout("the probe's time limit of " + std::to_string(static_cast<int>(limit_s())) +
                       " s passed before " + step);
}

double Deadline::exec_limit(double wanted_s) const { return std::max(1.0, std::min(wanted_s, remaining_s())); }

CheckContext::CheckContext(core::SandboxService& service, const RunInfo& run, const Column& column, fs::path scratch)
    : service_(service), run_(run), column_(column), scratch_(std::move(scratch)) {}

const fs::path& CheckContext::scratch() {
  if (!scratch_made_) {
    fs::create_directories(scratch_);
    scratch_made_ = true;
  }
  return scratch_;
}

std::string CheckContext::name(const std::string& stem) {
  // Column ids may hold '+' ("runc+dind"): not allowed in engine names.
  std::string col;
  for (char c : column_.id) col += std::isalnum(static_cast<unsigned char>(c)) != 0 ? c : '-';
  return "mx-" + run_.run_id + "-" + col + "-" + stem + "-" + std::to_string(++counter_);
}

bool CheckContext::dind_for(bool docker_check) const {
  switch (column_.dind) {
    case DindPolicy::always:
      return true;
    case DindPolicy::never:
      return false;
    case DindPolicy::docker_checks:
      return docker_check;
  }
  return false;
}

SandboxSpec CheckContext::spec(const std::string& name, const std::string& probe, bool docker_check) const {
  SandboxSpec s;
  s.name = name;
  s.runtime = column_.runtime;
  s.dind = dind_for(docker_check);
  s.image = (s.dind || docker_check) ? run_.images.dind : run_.images.base;
  s.labels[kRunIdLabel] = run_.run_id;
  s.labels[kCheckLabel] = probe;
  return s;
}

}  // namespace moat::matrix
