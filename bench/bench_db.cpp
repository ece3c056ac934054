#include "bench/bench_db.h"

#include <ctime>
#include <fstream>
#include <sqlite3.h>
#include <thread>

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
    server_cpu_s REAL, first_error TEXT);
)sql";

constexpr const char* INSERT_SERVE = R"sql(
INSERT INTO serve_runs (started_at, hearth_version, cpu_model, cpu_cores, label, base_url, model, endpoint,
    input_tokens, output_tokens, concurrency, requests, ok, errors, duration_s, request_throughput,
    output_tokens_per_s, mean_input_tokens, mean_output_tokens, ttft_p50_ms, ttft_p90_ms, ttft_p99_ms,
    tpot_p50_ms, tpot_p90_ms, tpot_p99_ms, itl_p50_ms, itl_p90_ms, itl_p99_ms, e2e_p50_ms, e2e_p90_ms,
    e2e_p99_ms, server_cpu_s, first_error)
VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?);
)sql";

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

std::string utc_now() {
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return text;
}

}  // namespace

RunContext current_context(std::string label) {
    return RunContext{utc_now(), std::string(HEARTH_VERSION), read_cpu_model(),
                      static_cast<int>(std::thread::hardware_concurrency()), std::move(label)};
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
        .text(level.error_samples.empty() ? "" : level.error_samples.front());
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
    const auto text = [s](int column) {
        const unsigned char* value = sqlite3_column_text(s, column);
        return value != nullptr ? std::string(reinterpret_cast<const char*>(value)) : std::string();
    };
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

}  // namespace hearth::bench
