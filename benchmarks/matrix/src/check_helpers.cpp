#include "check_helpers.hpp"

#include <fstream>
#include <sstream>

namespace moat::matrix::detail {

std::string read_host_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return {};
  std::stringstream b;
  b << in.rdbuf();
  std::string s = b.str();
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

std::map<std::string, std::string> key_values(const std::string& text) {
  std::map<std::string, std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    auto eq = line.find('=');
    if (eq != std::string::npos) out[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return out;
}

}  // namespace moat::matrix::detail
