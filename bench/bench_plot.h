#pragma once
// `hearth bench --plot FILE.svg`: the stored serve runs drawn against concurrency (closed loop) or request
// rate (open loop), one series per run, so that runs (hearth against llama-server from bench/compare, two
// builds, two machines) are compared at a glance: output tokens/s, requests/s with goodput, and TTFT, TPOT,
// ITL and end-to-end latency p50 and p99.
// A run is the rows of one label (bench/compare labels each server) or, unlabelled, of one `bench serve`
// invocation, for one model and endpoint; where a run measured a level more than once, the newest row wins.

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "bench/svg_chart.h"
#include "util/result.h"

namespace hearth::bench {

enum class PlotAxis {
    AUTO,  // the newest row's: request rate when it ran open loop, else concurrency
    CONCURRENCY,
    RATE,
};

struct PlotOptions {
    PlotAxis axis = PlotAxis::AUTO;
    std::vector<std::string> labels;  // only runs with these labels; empty: all
    size_t max_series = 8;            // the newest runs; older ones are left out
};

// `rows`: serve_runs rows as BenchDb::all_columns gives them (objects, newest first). NOT_FOUND when no row
// fits the options.
Result<ChartFigure> serve_figure(const nlohmann::json& rows, const PlotOptions& options);

}  // namespace hearth::bench
