// Everything in moat_harness, for callers that want one include.
#pragma once

#include <moat/harness/cgroup.hpp>
#include <moat/harness/cleanup.hpp>
#include <moat/harness/image_digests.hpp>
#include <moat/harness/environment.hpp>
#include <moat/harness/fio.hpp>
#include <moat/harness/proc_stat.hpp>
#include <moat/harness/profile.hpp>
#include <moat/harness/progress.hpp>
#include <moat/harness/sample_recorder.hpp>
#include <moat/harness/seed.hpp>
#include <moat/harness/runner.hpp>
#include <moat/harness/sandbox_ops.hpp>
#include <moat/harness/sandbox_tracker.hpp>
#include <moat/harness/scenario.hpp>
#include <moat/harness/scenarios.hpp>
#include <moat/harness/workloads.hpp>
