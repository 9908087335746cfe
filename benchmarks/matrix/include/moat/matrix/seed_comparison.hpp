// The measured matrix against the seed's tables: each cell the seed has an
// opinion on gets the seed's verdict, and a note where the two disagree
// ("seed says ✅, measured ❌"); the seed's declared rows (Simple API, Good
// Performance, Low Ops Complexity) are carried over as declared, not measured.
#pragma once

#include <moat/matrix/model.hpp>
#include <moat/matrix/seed_data.hpp>

#include <vector>

namespace moat::matrix {

// Fills the declared rows' cells from the seed (only columns the seed has).
void fill_declared_rows(const SeedData& seed, const std::vector<Column>& columns, std::vector<Row>& rows);

// For columns without a plugin, puts what upstream documents (seed.documented)
// in the cells that could not be measured. A measured cell is left alone.
void fill_documented_cells(const SeedData& seed, const std::vector<Column>& columns, std::vector<Row>& rows);

// Sets seed / seed_text / note on measured cells and returns every
// disagreement. An unavailable or documented cell cannot disagree (nothing
// was measured); it still gets the seed's verdict.
// The boot-time row is compared with the seed's "Boot Time" range.
std::vector<Disagreement> compare_with_seed(const SeedData& seed, const std::vector<Column>& columns,
                                            std::vector<Row>& rows);

}  // namespace moat::matrix
