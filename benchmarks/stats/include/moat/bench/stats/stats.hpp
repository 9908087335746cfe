// Everything in moat_bench_stats, for callers that want one include.
#pragma once

#include <moat/bench/stats/bootstrap.hpp>
#include <moat/bench/stats/descriptive.hpp>
#include <moat/bench/stats/mann_whitney.hpp>
#include <moat/bench/stats/permutation.hpp>
#include <moat/bench/stats/quantile.hpp>
#include <moat/bench/stats/random.hpp>
