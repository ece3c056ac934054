#pragma once
// How serve-benchmark results are shown: a table for people, JSON for scripts (bench/compare).

#include <nlohmann/json.hpp>

#include <ostream>
#include <vector>

#include "bench/model_run.h"
#include "bench/serve_bench.h"

namespace hearth::bench {

nlohmann::json to_json(const LevelResult& level);
// Header and one line per level; the first error messages of a level follow its line.
void print_serve_table(std::ostream& out, const ServeBenchConfig& config, const std::vector<LevelResult>& levels);

// Engine benchmark (`hearth bench MODEL`): one object per test, with the model and settings it ran under.
nlohmann::json to_json(const ModelRun& run);
// llama-bench's table: model, size, params, device, settings, test, tokens/s as mean ± stddev.
void print_model_table(std::ostream& out, const std::vector<ModelRun>& runs);

}  // namespace hearth::bench
