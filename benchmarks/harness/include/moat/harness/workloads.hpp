// The workloads the scenarios run inside sandboxes (benchmarks/workloads:
// c-tree/, cpu/, fio/, dockerfile/), and copying them into a workspace.
#pragma once

#include <filesystem>
#include <string>

namespace moat::harness {

// $MOAT_WORKLOADS_DIR, else <exe_dir>/../share/moat/workloads (installed),
// else the source tree's benchmarks/workloads (build tree). Throws
// moat::Error(not-found) naming what it tried when none has c-tree/Makefile.
std::filesystem::path find_workloads_dir(const std::filesystem::path& exe_dir);

// Copies workloads_dir/<sub> to dest (recursively, without build outputs).
// Throws moat::Error(failed) on an I/O error, not-found when <sub> is missing.
void copy_workload(const std::filesystem::path& workloads_dir, const std::string& sub,
                   const std::filesystem::path& dest);

// Assembles the build context of the reference Dockerfile at dest: the
// dockerfile workload (Dockerfile, make-base.sh, stamp) plus files/, which its
// `COPY files/ /src/` takes, filled from the c-tree workload (its Makefile and
// the first eight modules) so the C sources are kept in one place. Throws
// like copy_workload.
void assemble_docker_context(const std::filesystem::path& workloads_dir, const std::filesystem::path& dest);

}  // namespace moat::harness
