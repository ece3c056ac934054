#pragma once
// The benchmark results database (SQLite): every run appends rows, nothing is ever rewritten, so results of
// different builds, machines and servers can be compared later (`hearth bench --list`, or sqlite3 itself).
// Thread contract: one BenchDb per thread.

#include <memory>
#include <string>
#include <vector>

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

private:
    struct Closer {
        void operator()(sqlite3* db) const;
    };
    explicit BenchDb(std::unique_ptr<sqlite3, Closer> db);
    std::unique_ptr<sqlite3, Closer> db_;
};

}  // namespace hearth::bench
