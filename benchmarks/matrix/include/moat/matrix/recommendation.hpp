// The recommendation for a set of requirements: the columns whose cells are
// measured "yes" for every one of them, ranked by boot time (the harness's
// figure when a results file was given, else the live probe's), and for every
// other column the requirements that rule it out, with each cell's evidence
// line. A documented cell is not a measurement: it counts as unavailable.
#pragma once

#include <moat/matrix/model.hpp>

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace moat::matrix {

// `harness_figures`: by column id, the harness's figures to show with a
// ranked column (may be empty). Requirements must be row ids of `rows`.
Recommendation recommend(const std::vector<Column>& columns, const std::vector<Row>& rows,
                         const std::vector<std::string>& required,
                         const std::map<std::string, nlohmann::json>& harness_figures = {});

}  // namespace moat::matrix
