#pragma once
// `hearth bench MODEL` (the engine benchmark, command_model_bench.h), `hearth bench serve` (the serving load
// test, against hearth or any OpenAI-compatible server), `hearth bench --list` (past results from the SQLite
// database) and `hearth bench --plot FILE.svg` (those results drawn, bench/bench_plot.h).

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "bench/serve_bench.h"
#include "cli/command_model_bench.h"

namespace hearth::cli {

struct BenchOptions {
    std::string db_path = "hearth_bench.db";
    bool list = false;
    int list_limit = 20;
    std::string plot_file;                 // --plot: the serve runs drawn as SVG
    std::string plot_axis = "auto";        // auto, concurrency or rate
    std::vector<std::string> plot_labels;  // only these runs
    int plot_rows = 2000;                  // newest rows read for a plot
    bool json = false;
    bool no_db = false;
    std::string label;
    std::string endpoint = "chat";
    std::string prompts_file;
    std::string lengths_file;
    std::string image_file;  // chat: an image opening every request (bench::ServeBenchConfig::image)
    int time_limit_s = 600;
    int timeout_s = 300;
    std::vector<double> request_rates;  // open loop: one level per rate
    int max_concurrency = 256;          // open loop: most requests in flight
    bool goodput = false;               // bisection for the highest rate within the SLOs
    int goodput_steps = 4;
    bench::ServeBenchConfig serve;
    ModelBenchOptions model;
};

void add_bench_command(CLI::App& app, BenchOptions& options);
// Exit status: 0 when every request succeeded, 1 when some failed or the run could not start, 2 on misuse.
int run_bench(const CLI::App& app, BenchOptions& options);

}  // namespace hearth::cli
