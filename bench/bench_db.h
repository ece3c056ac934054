#pragma once
// The benchmark results database (SQLite): every run appends rows, nothing is ever rewritten, so results of
// different builds, machines and servers can be compared later (`hearth bench --list`, or sqlite3 itself).
// Thread contract: one BenchDb per thread.

#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

#include "bench/model_run.h"
#include "bench/serve_bench.h"
#include "util/result.h"

struct sqlite3;

namespace hearth::bench {

// Where and with what a run was made.
struct RunContext {
    std::string started_at;  // UTC, ISO 8601
    std::string hearth_version;
    std::string cpu_model;
    int cpu_cores = 0;
    std::string label;  // free text, e.g. the server's name in a side-by-side comparison
    // Engine runs only (a serve run cannot see the server's build or devices):
    std::string build;  // hearth and engine versions, backends
    std::string gpu;    // the accelerators present, with memory; empty when none
};

RunContext current_context(std::string label);

struct StoredServeRow {
    int64_t id = 0;
    std::string started_at;
    std::string label;
    std::string model;
    std::string endpoint;
    int concurrency = 0;
    int ok = 0;
    int errors = 0;
    double output_tokens_per_s = 0;
    double ttft_p99_ms = 0;
    double itl_p99_ms = 0;
};

struct StoredModelRow {
    int64_t id = 0;
    std::string started_at;
    std::string label;
    std::string model_name;
    std::string sha256_prefix;
    std::string quantization;
    std::string device;
    int threads = 0;
    int n_batch = 0;
    std::string test;
    int repetitions = 0;
    double mean_tokens_per_s = 0;
    double stddev_tokens_per_s = 0;
};

class BenchDb {
public:
    // Opens (creating when missing) the database and its tables; INTERNAL with SQLite's message on failure.
    static Result<BenchDb> open(const std::string& path);
    ~BenchDb();
    BenchDb(BenchDb&&) noexcept;
    BenchDb& operator=(BenchDb&&) noexcept;

    // One row per concurrency level.
    Result<void> add_serve_level(const RunContext& context, const ServeBenchConfig& config, const LevelResult& level);
    // The newest rows first, at most `limit`.
    Result<std::vector<StoredServeRow>> serve_rows(int limit);
    // One row per engine-benchmark test.
    Result<void> add_model_run(const RunContext& context, const ModelRun& run);
    Result<std::vector<StoredModelRow>> model_rows(int limit);
    // Every column of the newest rows of table "model_runs" or "serve_runs" as JSON objects, newest first
    // (NULL columns as null). INVALID_ARGUMENT for another table name.
    Result<nlohmann::json> all_columns(const std::string& table, int limit);

private:
    struct Closer {
        void operator()(sqlite3* db) const;
    };
    explicit BenchDb(std::unique_ptr<sqlite3, Closer> db);
    std::unique_ptr<sqlite3, Closer> db_;
};

}  // namespace hearth::bench
