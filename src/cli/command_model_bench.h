#pragma once
// `hearth bench MODEL`: the engine benchmark (llama-bench style) on the bench command; see
// bench/model/model_bench.h for what is measured.

#include <CLI/CLI.hpp>

#include <string>

#include "bench/model/model_bench.h"

namespace hearth::cli {

struct ModelBenchOptions {
    bench::ModelBenchConfig config;
    std::string db_path;
    std::string label;
    bool json = false;
    bool no_db = false;
};

// Adds MODEL and its options to the bench command.
void add_model_bench_options(CLI::App& bench, ModelBenchOptions& options);
// Exit status: 0 done, 1 the model could not be measured (missing, unloadable, failed decode), 2 misuse.
int run_model_bench_command(ModelBenchOptions& options);

}  // namespace hearth::cli
