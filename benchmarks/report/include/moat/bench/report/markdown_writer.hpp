// Markdown reports (GitHub-flavoured tables): the manifest, then one table per scenario.
#pragma once

#include <moat/bench/report/analysis.hpp>
#include <moat/bench/report/compare.hpp>

#include <string>

namespace moat::bench {

std::string render_markdown(const Analysis& analysis);
std::string render_markdown(const Comparison& comparison);

}  // namespace moat::bench
