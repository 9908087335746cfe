// fio's JSON output (--output-format=json), reduced to what the io scenario
// records. Tolerates text fio prints before the JSON document (warnings).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace moat::harness {

struct FioDirection {
  double bw_mib_s = 0;  // fio "bw" is KiB/s
  double iops = 0;
  double io_mib = 0;  // "io_kbytes" / 1024: what was transferred
};

struct FioJob {
  std::string name;
  int error = 0;  // fio's per-job error code (errno); non-zero = the job failed
  FioDirection read;
  FioDirection write;
  double sync_lat_mean_us = 0;  // fsync latency mean (fio "sync.lat_ns"), 0 when absent
  double runtime_ms = 0;        // the job's measured runtime (the larger of read/write)
};

struct FioResult {
  std::string version;  // "fio-3.33"
  std::vector<FioJob> jobs;
};

// Throws moat::Error(invalid) when there is no JSON document or it has no jobs.
FioResult parse_fio_json(std::string_view output);

}  // namespace moat::harness
