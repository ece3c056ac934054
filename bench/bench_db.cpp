#include "bench/bench_db.h"

#include <cstdio>
#include <ctime>
#include <fstream>
#include <sqlite3.h>
#include <thread>

#include "util/utc_time.h"
#include "util/version.h"

namespace hearth::bench {

namespace {

constexpr const char* SCHEMA = R"sql(
CREATE TABLE IF NOT EXISTS serve_runs (
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL, hearth_version TEXT, cpu_model TEXT, cpu_cores INTEGER, label TEXT,
    base_url TEXT, model TEXT, endpoint TEXT, input_tokens INTEGER, output_tokens INTEGER,
    concurrency INTEGER, requests INTEGER, ok INTEGER, errors INTEGER, duration_s REAL,
    request_throughput REAL, output_tokens_per_s REAL, mean_input_tokens REAL, mean_output_tokens REAL,
    ttft_p50_ms REAL, ttft_p90_ms REAL, ttft_p99_ms REAL, tpot_p50_ms REAL, tpot_p90_ms REAL, tpot_p99_ms REAL,
    itl_p50_ms REAL, itl_p90_ms REAL, itl_p99_ms REAL, e2e_p50_ms REAL, e2e_p90_ms REAL, e2e_p99_ms REAL,
    server_cpu_s REAL, first_error TEXT, request_rate REAL, slo_ttft_ms REAL, slo_tpot_ms REAL, slo_met INTEGER,
    goodput REAL, audio_seconds_per_s REAL, mean_audio_s REAL);
CREATE TABLE IF NOT EXISTS model_runs (
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL, hearth_version TEXT, build TEXT, cpu_model TEXT, cpu_cores INTEGER, gpu TEXT,
    label TEXT, model_name TEXT, model_path TEXT, model_size INTEGER, model_sha256 TEXT, architecture TEXT,
    quantization TEXT, n_params INTEGER, device TEXT, threads INTEGER, n_batch INTEGER, n_ubatch INTEGER,
    n_gpu_layers INTEGER, flash_attn TEXT, type_k TEXT, type_v TEXT, test TEXT, n_prompt INTEGER,
    n_gen INTEGER, repetitions INTEGER, mean_tokens_per_s REAL, stddev_tokens_per_s REAL, samples TEXT);
)sql";

// The digest prefix kept: enough to tell files apart, short enough to read in a table.
constexpr size_t SHA_PREFIX = 16;

constexpr const char* INSERT_MODEL = R"sql(
INSERT INTO model_runs (started_at, hearth_version, build, cpu_model, cpu_cores, gpu, label, model_name,
    model_path, model_size, model_sha256, architecture, quantization, n_params, device, threads, n_batch,
    n_ubatch, n_gpu_layers, flash_attn, type_k, type_v, test, n_prompt, n_gen, repetitions,
    mean_tokens_per_s, stddev_tokens_per_s, samples)
VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?);
)sql";

constexpr const char* INSERT_SERVE = R"sql(
INSERT INTO serve_runs (started_at, hearth_version, cpu_model, cpu_cores, label, base_url, model, endpoint,
    input_tokens, output_tokens, concurrency, requests, ok, errors, duration_s, request_throughput,
    output_tokens_per_s, mean_input_tokens, mean_output_tokens, ttft_p50_ms, ttft_p90_ms, ttft_p99_ms,
    tpot_p50_ms, tpot_p90_ms, tpot_p99_ms, itl_p50_ms, itl_p90_ms, itl_p99_ms, e2e_p50_ms, e2e_p90_ms,
    e2e_p99_ms, server_cpu_s, first_error, request_rate, slo_ttft_ms, slo_tpot_ms, slo_met, goodput,
    audio_seconds_per_s, mean_audio_s)
VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?);
)sql";

// Columns added to serve_runs after databases were first written: added to an older file when it opens.
constexpr const char* SERVE_COLUMNS_ADDED[] = {"request_rate REAL", "slo_ttft_ms REAL", "slo_tpot_ms REAL",
                                               "slo_met INTEGER",   "goodput REAL",     "audio_seconds_per_s REAL",
                                               "mean_audio_s REAL"};

struct Finalizer {
    void operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }
};
using Statement = std::unique_ptr<sqlite3_stmt, Finalizer>;

Error db_error(sqlite3* db, const std::string& what) {
    return make_error(ErrorCode::INTERNAL, what + ": " + (db != nullptr ? sqlite3_errmsg(db) : "out of memory"));
}

Result<Statement> prepare(sqlite3* db, const char* sql) {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db, sql, -1, &raw, nullptr) != SQLITE_OK) {
        return db_error(db, "preparing a statement");
    }
    return Statement(raw);
}

// Binds values to ?1, ?2, ... in order.
class Binder {
public:
    explicit Binder(sqlite3_stmt* statement) : statement_(statement) {}
    Binder& text(const std::string& value) {
        sqlite3_bind_text(statement_, ++index_, value.c_str(), -1, SQLITE_TRANSIENT);
        return *this;
    }
    Binder& integer(int64_t value) {
        sqlite3_bind_int64(statement_, ++index_, value);
        return *this;
    }
    Binder& real(double value) {
        sqlite3_bind_double(statement_, ++index_, value);
        return *this;
    }
    Binder& distribution(const Distribution& d) { return real(d.p50).real(d.p90).real(d.p99); }

private:
    sqlite3_stmt* statement_;
    int index_ = 0;
};

std::string column_text(sqlite3_stmt* statement, int column) {
    const unsigned char* value = sqlite3_column_text(statement, column);
    return value != nullptr ? std::string(reinterpret_cast<const char*>(value)) : std::string();
}

// The repetitions' tokens/s as a JSON array, readable by sqlite's json functions.
std::string samples_text(const std::vector<double>& samples) {
    std::string text = "[";
    char number[32];
    for (size_t i = 0; i < samples.size(); ++i) {
        std::snprintf(number, sizeof number, "%s%.3f", i > 0 ? "," : "", samples[i]);
        text += number;
    }
    return text + "]";
}

std::string read_cpu_model() {
    std::ifstream in("/proc/cpuinfo");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("model name", 0) == 0 && line.find(':') != std::string::npos) {
            return line.substr(line.find(':') + 2);
        }
    }
    return "unknown";
}

}  // namespace

RunContext current_context(std::string label) {
    RunContext context;
    context.started_at = utc_timestamp();
    context.hearth_version = std::string(HEARTH_VERSION);
    context.cpu_model = read_cpu_model();
    context.cpu_cores = static_cast<int>(std::thread::hardware_concurrency());
    context.label = std::move(label);
    return context;
}

void BenchDb::Closer::operator()(sqlite3* db) const {
    sqlite3_close(db);
}

BenchDb::BenchDb(std::unique_ptr<sqlite3, Closer> db) : db_(std::move(db)) {}
BenchDb::~BenchDb() = default;
BenchDb::BenchDb(BenchDb&&) noexcept = default;
BenchDb& BenchDb::operator=(BenchDb&&) noexcept = default;

Result<BenchDb> BenchDb::open(const std::string& path) {
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
    std::unique_ptr<sqlite3, Closer> db(raw);
    if (rc != SQLITE_OK) {
        return db_error(db.get(), "opening " + path);
    }
    sqlite3_busy_timeout(db.get(), 5000);  // another bench may be writing
    if (sqlite3_exec(db.get(), SCHEMA, nullptr, nullptr, nullptr) != SQLITE_OK) {
        return db_error(db.get(), "creating the tables of " + path);
    }
    for (const char* column : SERVE_COLUMNS_ADDED) {
        // Fails with "duplicate column" where the column exists: nothing to do then.
        const std::string alter = std::string("ALTER TABLE serve_runs ADD COLUMN ") + column;
        sqlite3_exec(db.get(), alter.c_str(), nullptr, nullptr, nullptr);
    }
    return BenchDb(std::move(db));
}

Result<void> BenchDb::add_serve_level(const RunContext& context, const ServeBenchConfig& config,
                                      const LevelResult& level) {
    auto statement = prepare(db_.get(), INSERT_SERVE);
    if (!statement) {
        return statement.error();
    }
    Binder(statement->get())
        .text(context.started_at)
        .text(context.hearth_version)
        .text(context.cpu_model)
        .integer(context.cpu_cores)
        .text(context.label)
        .text(config.base_url)
        .text(config.model)
        .text(to_string(config.endpoint))
        .integer(config.input_tokens)
        .integer(config.output_tokens)
        .integer(level.concurrency)
        .integer(level.requests)
        .integer(level.ok)
        .integer(level.errors)
        .real(level.duration_s)
        .real(level.request_throughput)
        .real(level.output_tokens_per_s)
        .real(level.mean_input_tokens)
        .real(level.mean_output_tokens)
        .distribution(level.ttft_ms)
        .distribution(level.tpot_ms)
        .distribution(level.itl_ms)
        .distribution(level.e2e_ms)
        .real(level.server_cpu_s)
        .text(level.error_samples.empty() ? "" : level.error_samples.front())
        .real(level.request_rate)
        .real(config.slo_ttft_ms)
        .real(config.slo_tpot_ms)
        .integer(level.slo_met)
        .real(level.goodput)
        .real(level.audio_seconds_per_s)
        .real(level.mean_audio_s);
    if (sqlite3_step(statement->get()) != SQLITE_DONE) {
        return db_error(db_.get(), "storing a serve result");
    }
    return {};
}

Result<std::vector<StoredServeRow>> BenchDb::serve_rows(int limit) {
    auto statement = prepare(db_.get(),
                             "SELECT id, started_at, label, model, endpoint, concurrency, ok, errors, "
                             "output_tokens_per_s, ttft_p99_ms, itl_p99_ms FROM serve_runs ORDER BY id DESC LIMIT ?");
    if (!statement) {
        return statement.error();
    }
    sqlite3_stmt* s = statement->get();
    sqlite3_bind_int(s, 1, limit);
    std::vector<StoredServeRow> rows;
    const auto text = [s](int column) { return column_text(s, column); };
    int rc = SQLITE_ROW;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        rows.push_back({sqlite3_column_int64(s, 0), text(1), text(2), text(3), text(4), sqlite3_column_int(s, 5),
                        sqlite3_column_int(s, 6), sqlite3_column_int(s, 7), sqlite3_column_double(s, 8),
                        sqlite3_column_double(s, 9), sqlite3_column_double(s, 10)});
    }
    if (rc != SQLITE_DONE) {
        return db_error(db_.get(), "reading serve results");
    }
    return rows;
}

Result<void> BenchDb::add_model_run(const RunContext& context, const ModelRun& run) {
    auto statement = prepare(db_.get(), INSERT_MODEL);
    if (!statement) {
        return statement.error();
    }
    const auto& m = run.model;
    const auto& e = run.settings;
    Binder(statement->get())
        .text(context.started_at)
        .text(context.hearth_version)
        .text(context.build)
        .text(context.cpu_model)
        .integer(context.cpu_cores)
        .text(context.gpu)
        .text(context.label)
        .text(m.name)
        .text(m.path)
        .integer(static_cast<int64_t>(m.size_bytes))
        .text(m.sha256.substr(0, SHA_PREFIX))
        .text(m.architecture)
        .text(m.quantization)
        .integer(static_cast<int64_t>(m.n_params))
        .text(e.device.empty() ? "default" : e.device)
        .integer(e.threads)
        .integer(e.n_batch)
        .integer(e.n_ubatch)
        .integer(e.n_gpu_layers)
        .text(e.flash_attn)
        .text(e.type_k)
        .text(e.type_v)
        .text(run.test.name())
        .integer(run.test.n_prompt)
        .integer(run.test.n_gen)
        .integer(static_cast<int64_t>(run.tokens_per_s.size()))
        .real(run.mean_tokens_per_s)
        .real(run.stddev_tokens_per_s)
        .text(samples_text(run.tokens_per_s));
    if (sqlite3_step(statement->get()) != SQLITE_DONE) {
        return db_error(db_.get(), "storing an engine benchmark result");
    }
    return {};
}

Result<std::vector<StoredModelRow>> BenchDb::model_rows(int limit) {
    auto statement = prepare(db_.get(),
                             "SELECT id, started_at, label, model_name, model_sha256, quantization, device, threads, "
                             "n_batch, test, repetitions, mean_tokens_per_s, stddev_tokens_per_s FROM model_runs "
                             "ORDER BY id DESC LIMIT ?");
    if (!statement) {
        return statement.error();
    }
    sqlite3_stmt* s = statement->get();
    sqlite3_bind_int(s, 1, limit);
    std::vector<StoredModelRow> rows;
    int rc = SQLITE_ROW;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        rows.push_back({sqlite3_column_int64(s, 0), column_text(s, 1), column_text(s, 2), column_text(s, 3),
                        column_text(s, 4), column_text(s, 5), column_text(s, 6), sqlite3_column_int(s, 7),
                        sqlite3_column_int(s, 8), column_text(s, 9), sqlite3_column_int(s, 10),
                        sqlite3_column_double(s, 11), sqlite3_column_double(s, 12)});
    }
    if (rc != SQLITE_DONE) {
        return db_error(db_.get(), "reading engine benchmark results");
    }
    return rows;
}

Result<nlohmann::json> BenchDb::all_columns(const std::string& table, int limit) {
    if (table != "model_runs" && table != "serve_runs") {
        return make_error(ErrorCode::INVALID_ARGUMENT, "no results table '" + table + "'");
    }
    auto statement = prepare(db_.get(), ("SELECT * FROM " + table + " ORDER BY id DESC LIMIT ?").c_str());
    if (!statement) {
        return statement.error();
    }
    sqlite3_stmt* s = statement->get();
    sqlite3_bind_int(s, 1, limit);
    nlohmann::json rows = nlohmann::json::array();
    int rc = SQLITE_ROW;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        nlohmann::json row = nlohmann::json::object();
        for (int i = 0; i < sqlite3_column_count(s); ++i) {
            auto& value = row[sqlite3_column_name(s, i)];
            switch (sqlite3_column_type(s, i)) {
                case SQLITE_INTEGER: value = sqlite3_column_int64(s, i); break;
                case SQLITE_FLOAT: value = sqlite3_column_double(s, i); break;
                case SQLITE_NULL: value = nullptr; break;
                default: value = column_text(s, i); break;
            }
        }
        rows.push_back(std::move(row));
    }
    if (rc != SQLITE_DONE) {
        return db_error(db_.get(), "reading " + table);
    }
    return rows;
}

}  // namespace hearth::bench
