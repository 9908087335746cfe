// Which columns the matrix has: the seed's (in its order: sysbox, firecracker,
// flintlock, gvisor, kata), then the other loaded runtime plugins (runc,
// host, third-party ones). A runtime whose DinD mode is not isolating (runc)
// gets a second column "<id>+dind": the runtime as deployed in that mode.
#pragma once

#include <moat/matrix/model.hpp>
#include <moat/matrix/seed_data.hpp>

#include <string>
#include <vector>

namespace moat::matrix {

// Plugins whose DinD mode changes the security posture enough to be its own column.
const std::vector<std::string>& dind_variant_runtimes();

// `loaded` = ids of the loaded runtime plugins. `requested` empty = every
// column; otherwise those ids (columns or plugin ids), in canonical order.
// Throws moat::Error(MOAT_E_INVALID) for an unknown id, listing the known ones.
std::vector<Column> plan_columns(const std::vector<std::string>& loaded, const SeedData& seed,
                                 const std::vector<std::string>& requested);

}  // namespace moat::matrix
