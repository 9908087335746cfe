// Everything in moat_bench_report, for callers that want one include.
#pragma once

#include <moat/bench/report/analysis.hpp>
#include <moat/bench/report/compare.hpp>
#include <moat/bench/report/csv_writer.hpp>
#include <moat/bench/report/host_info.hpp>
#include <moat/bench/report/html_writer.hpp>
#include <moat/bench/report/markdown_writer.hpp>
#include <moat/bench/report/matrix_view.hpp>
#include <moat/bench/report/metric.hpp>
#include <moat/bench/report/results.hpp>
#include <moat/bench/report/results_json.hpp>
#include <moat/bench/report/results_reader.hpp>
#include <moat/bench/report/results_writer.hpp>
#include <moat/bench/report/table_writer.hpp>
#include <moat/bench/report/timestamp.hpp>
