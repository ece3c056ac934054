#include "cli/command_bench.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>

#include "bench/bench_db.h"
#include "bench/bench_plot.h"
#include "bench/bench_report.h"
#include "bench/goodput.h"
#include "bench/prompt_source.h"
#include "util/file_io.h"

namespace hearth::cli {

namespace {

// Open-loop arrivals and the SLOs that goodput counts against.
void add_open_loop_options(CLI::App& serve, BenchOptions& options) {
    auto& config = options.serve;
    serve
        .add_option("--request-rate", options.request_rates,
                    "Open loop: mean arrivals per second, one level per rate, e.g. 2,4,8 (inf: all at once)")
        ->delimiter(',')
        ->check(CLI::Validator(
            [](const std::string& text) {
                const double rate = std::strtod(text.c_str(), nullptr);
                return rate > 0 ? std::string() : std::string("a request rate must be > 0 (or inf)");
            },
            "RATE"));
    serve
        .add_option("--burstiness", config.burstiness,
                    "Open loop: gamma shape of the gaps between arrivals (1: Poisson; below 1: burstier)")
        ->check(CLI::Range(1e-3, 1e3))
        ->capture_default_str();
    serve.add_option("--max-concurrency", options.max_concurrency, "Open loop: most requests in flight")
        ->check(CLI::Range(1, 1024))
        ->capture_default_str();
    serve.add_option("--arrival-seed", config.arrival_seed, "Open loop: seed of the arrival times")
        ->capture_default_str();
    serve.add_option("--slo-ttft", config.slo_ttft_ms, "SLO on time to first token, ms (0: none); sets goodput")
        ->check(CLI::Range(0.0, 1e9));
    serve.add_option("--slo-tpot", config.slo_tpot_ms, "SLO on time per output token, ms (0: none)")
        ->check(CLI::Range(0.0, 1e9));
    serve.add_flag("--goodput", options.goodput,
                   "Find the highest rate between the lowest and highest --request-rate at which 90% of requests "
                   "meet the SLOs (bisection)");
    serve.add_option("--goodput-steps", options.goodput_steps, "Bisections of --goodput")
        ->check(CLI::Range(1, 20))
        ->capture_default_str();
}

void add_serve_options(CLI::App& serve, BenchOptions& options) {
    auto& config = options.serve;
    serve.add_option("--url", config.base_url, "Server root (http only)")->capture_default_str();
    serve.add_option("-m,--model", config.model, "Model id to request")->required();
    serve.add_option("--api-key", config.api_key, "Bearer token to send")->envname("HEARTH_API_KEY");
    serve.add_option("--endpoint", options.endpoint, "chat, completions, embeddings or speech")
        ->check(CLI::IsMember({"chat", "completions", "embeddings", "speech"}))
        ->capture_default_str();
    serve.add_option("-c,--concurrency", config.concurrency, "Concurrency levels, e.g. 1,4,16")
        ->delimiter(',')
        ->check(CLI::Range(1, 1024))
        ->capture_default_str();
    serve.add_option("-n,--requests", config.requests, "Requests per level (0: 4 x concurrency, at least 8)")
        ->check(CLI::Range(0, 1000000))
        ->capture_default_str();
    serve.add_option("--input-tokens", config.input_tokens, "Synthetic prompt length in tokens (about)")
        ->check(CLI::Range(1, 1 << 20))
        ->capture_default_str();
    serve.add_option("--output-tokens", config.output_tokens, "Tokens generated per request (ignore_eos)")
        ->check(CLI::Range(1, 1 << 20))
        ->capture_default_str();
    serve.add_option("--temperature", config.temperature, "Sampling temperature of every request (0: greedy)")
        ->check(CLI::Range(0.0, 2.0))
        ->capture_default_str();
    serve.add_option("--voice", config.voice, "Speech: the voice of every request (default: the model's)");
    serve.add_option("--prompts", options.prompts_file, "JSONL file of prompts instead of synthetic ones");
    serve
        .add_option("--prompt-seed", config.prompt_seed,
                    "Seed of the synthetic prompts (each level adds 1): runs with different seeds never repeat "
                    "a prompt, so no server answers from a cache of earlier runs")
        ->capture_default_str();
    serve.add_option("--time-limit", options.time_limit_s, "Seconds per level after which no request starts")
        ->check(CLI::Range(1, 86400))
        ->capture_default_str();
    serve.add_option("--timeout", options.timeout_s, "Seconds any one network operation may take")
        ->check(CLI::Range(1, 86400))
        ->capture_default_str();
    serve.add_option("--server-pid", config.server_pid, "Measure this server process's CPU seconds per level")
        ->check(CLI::Range(1, 1 << 30));
    serve
        .add_option("--input-tokens-max", config.input_tokens_max,
                    "Prompt lengths uniform over [--input-tokens, this] per request (0: fixed)")
        ->check(CLI::Range(0, 1 << 20));
    serve
        .add_option("--output-tokens-max", config.output_tokens_max,
                    "Output lengths uniform over [--output-tokens, this] per request (0: fixed)")
        ->check(CLI::Range(0, 1 << 20));
    serve
        .add_option("--image", options.image_file,
                    "Chat: an image (PNG, JPEG, GIF, BMP, WebP) opening every request, a new one each time")
        ->check(CLI::ExistingFile);
    serve.add_option("--lengths", options.lengths_file,
                     "(input, output) token lengths to replay in turn: JSON pairs or CSV lines");
    add_open_loop_options(serve, options);
    serve.add_option("--label", options.label, "Free text stored with the results (e.g. the server's name)");
    serve.add_flag("--json", options.json, "Print the results as JSON instead of a table");
    serve.add_flag("--no-db", options.no_db, "Do not store the results");
}

bench::Endpoint endpoint_of(const std::string& name) {
    if (name == "completions") {
        return bench::Endpoint::COMPLETIONS;
    }
    if (name == "speech") {
        return bench::Endpoint::SPEECH;
    }
    return name == "embeddings" ? bench::Endpoint::EMBEDDINGS : bench::Endpoint::CHAT;
}

void print_model_rows(const std::vector<bench::StoredModelRow>& rows) {
    std::cout << "engine runs (hearth bench MODEL), newest first\n"
              << "     id  started               label           model                    sha256 prefix     quant"
                 "   device   threads  n_batch  test       reps          t/s\n";
    char line[320];
    for (const auto& r : rows) {
        std::snprintf(line, sizeof line,
                      "  %5lld  %-20s  %-14.14s  %-23.23s  %-16s  %-6.6s  %-7.7s  %7d  %7d  %-8s  %5d  %9.2f ± %.2f\n",
                      static_cast<long long>(r.id), r.started_at.c_str(), r.label.c_str(), r.model_name.c_str(),
                      r.sha256_prefix.c_str(), r.quantization.c_str(), r.device.c_str(), r.threads, r.n_batch,
                      r.test.c_str(), r.repetitions, r.mean_tokens_per_s, r.stddev_tokens_per_s);
        std::cout << line;
    }
}

// Every stored column, for scripts.
int list_runs_json(const BenchOptions& options) {
    auto db = bench::BenchDb::open(options.db_path);
    auto models = db ? db->all_columns("model_runs", options.list_limit) : Result<nlohmann::json>(db.error());
    auto serves = db ? db->all_columns("serve_runs", options.list_limit) : Result<nlohmann::json>(db.error());
    if (!models || !serves) {
        std::cerr << "hearth bench: " << (models ? serves.error() : models.error()).message << "\n";
        return 1;
    }
    std::cout << nlohmann::json{{"model_runs", *models}, {"serve_runs", *serves}}.dump(2) << std::endl;
    return 0;
}

int list_runs(const BenchOptions& options) {
    if (options.model.json) {
        return list_runs_json(options);
    }
    auto db = bench::BenchDb::open(options.db_path);
    auto rows = db ? db->serve_rows(options.list_limit) : Result<std::vector<bench::StoredServeRow>>(db.error());
    auto model_rows = db ? db->model_rows(options.list_limit) : Result<std::vector<bench::StoredModelRow>>(db.error());
    if (!rows || !model_rows) {
        std::cerr << "hearth bench: " << (rows ? model_rows.error() : rows.error()).message << "\n";
        return 1;
    }
    print_model_rows(*model_rows);
    std::cout << "\nserve runs in " << options.db_path << " (newest first)\n"
              << "     id  started               label           model                    endpoint     conc"
                 "  ok  err  out tok/s  TTFT p99 ms  ITL p99 ms\n";
    char line[256];
    for (const auto& r : *rows) {
        std::snprintf(line, sizeof line, "  %5lld  %-20s  %-14.14s  %-23.23s  %-11s %5d %3d %4d %10.1f %12.0f %11.0f\n",
                      static_cast<long long>(r.id), r.started_at.c_str(), r.label.c_str(), r.model.c_str(),
                      r.endpoint.c_str(), r.concurrency, r.ok, r.errors, r.output_tokens_per_s, r.ttft_p99_ms,
                      r.itl_p99_ms);
        std::cout << line;
    }
    return 0;
}

int plot_runs(const BenchOptions& options) {
    auto db = bench::BenchDb::open(options.db_path);
    auto rows = db ? db->all_columns("serve_runs", options.plot_rows) : Result<nlohmann::json>(db.error());
    if (!rows) {
        std::cerr << "hearth bench --plot: " << rows.error().message << "\n";
        return 1;
    }
    bench::PlotOptions plot;
    plot.axis = options.plot_axis == "rate"          ? bench::PlotAxis::RATE
                : options.plot_axis == "concurrency" ? bench::PlotAxis::CONCURRENCY
                                                     : bench::PlotAxis::AUTO;
    plot.labels = options.plot_labels;
    auto figure = bench::serve_figure(*rows, plot);
    if (!figure) {
        std::cerr << "hearth bench --plot: " << figure.error().message << " in " << options.db_path << "\n";
        return 1;
    }
    if (auto written = write_file_atomically(options.plot_file, bench::render_svg(*figure)); !written) {
        std::cerr << "hearth bench --plot: " << written.error().message << "\n";
        return 1;
    }
    std::cout << "wrote " << options.plot_file << ": " << figure->series.size() << " runs against " << figure->x_label
              << "\n";
    return 0;
}

void print_serve_result(const BenchOptions& options, const std::vector<bench::LevelResult>& levels,
                        std::optional<double> goodput_rate) {
    const auto& config = options.serve;
    if (!options.json) {
        bench::print_serve_table(std::cout, config, levels);
        if (goodput_rate) {
            std::cout << "goodput rate (90% within the SLOs): " << *goodput_rate << " req/s (0: below the lowest)\n";
        }
        return;
    }
    nlohmann::json out = {{"url", config.base_url},
                          {"model", config.model},
                          {"label", options.label},
                          {"endpoint", options.endpoint},
                          {"input_tokens", config.input_tokens},
                          {"output_tokens", config.output_tokens},
                          {"temperature", config.temperature},
                          {"slo_ttft_ms", config.slo_ttft_ms},
                          {"slo_tpot_ms", config.slo_tpot_ms},
                          {"levels", nlohmann::json::array()}};
    for (const auto& level : levels) {
        out["levels"].push_back(bench::to_json(level));
    }
    if (goodput_rate) {
        out["goodput_rate"] = *goodput_rate;
    }
    std::cout << out.dump(2) << std::endl;
}

// (concurrency, request rate) of each level: the -c levels in closed loop, or one per --request-rate (inf:
// every request at once, a closed loop of --max-concurrency clients).
std::vector<std::pair<int, double>> serve_levels(const BenchOptions& options) {
    std::vector<std::pair<int, double>> levels;
    for (const double rate : options.request_rates) {
        levels.emplace_back(options.max_concurrency, std::isinf(rate) ? 0.0 : rate);
    }
    if (levels.empty()) {
        for (const int concurrency : options.serve.concurrency) {
            levels.emplace_back(concurrency, 0.0);
        }
    }
    return levels;
}

// The MIME type a data URL names for an image file, by its extension (servers look at the bytes anyway).
std::string image_mime(const std::string& path) {
    const std::string ext = std::filesystem::path(path).extension().string();
    if (ext == ".jpg" || ext == ".jpeg") {
        return "image/jpeg";
    }
    for (const char* known : {"gif", "bmp", "webp"}) {
        if (ext == std::string(".") + known) {
            return std::string("image/") + known;
        }
    }
    return "image/png";
}

// Reads the file at `path` (when one is given) with `read` into `out`. False (after a message) when it cannot.
template <typename Read, typename T>
bool read_input(const std::string& path, Read read, T& out) {
    if (path.empty()) {
        return true;
    }
    auto value = read(path);
    if (!value) {
        std::cerr << "hearth bench serve: " << value.error().message << "\n";
        return false;
    }
    out = std::move(*value);
    return true;
}

// The lengths, image and prompts files, read into the config. False (after a message) when one cannot be read.
bool load_inputs(BenchOptions& options) {
    auto& config = options.serve;
    if (!options.image_file.empty() && options.endpoint != "chat") {
        std::cerr << "hearth bench serve: --image needs --endpoint chat\n";
        return false;
    }
    config.image_mime = image_mime(options.image_file);
    return read_input(options.lengths_file, bench::read_lengths_file, config.lengths) &&
           read_input(options.image_file, read_text_file, config.image) &&
           read_input(options.prompts_file, bench::read_prompts_jsonl, config.prompts);
}

// Runs and stores the levels of one invocation, each with prompts and arrivals of its own.
class LevelRunner {
public:
    LevelRunner(const BenchOptions& options, std::optional<bench::BenchDb>& db)
        : options_(options), db_(db), config_(options.serve), context_(bench::current_context(options.label)) {}

    // False when the result could not be stored.
    bool run(int concurrency, double rate) {
        if (!options_.json) {
            std::cerr << "hearth bench serve: concurrency " << concurrency << (rate > 0 ? ", rate " : "")
                      << (rate > 0 ? std::to_string(rate) + "/s" : "") << "..." << std::endl;
        }
        config_.request_rate = rate;
        levels_.push_back(bench::run_serve_level(config_, concurrency));
        config_.prompt_seed++;  // fresh prompts at every level
        config_.arrival_seed++;
        if (db_) {
            if (auto stored = db_->add_serve_level(context_, config_, levels_.back()); !stored) {
                std::cerr << "hearth bench serve: " << stored.error().message << "\n";
                return false;
            }
        }
        return true;
    }
    const std::vector<bench::LevelResult>& levels() const { return levels_; }
    bool all_ok() const {
        return std::all_of(levels_.begin(), levels_.end(), [](const auto& l) { return l.errors == 0; });
    }

private:
    const BenchOptions& options_;
    std::optional<bench::BenchDb>& db_;
    bench::ServeBenchConfig config_;
    const bench::RunContext context_;
    std::vector<bench::LevelResult> levels_;
};

// --goodput: bisection between the lowest and the highest --request-rate for the highest rate at which 90% of
// requests meet the SLOs.
std::optional<double> search_goodput(const BenchOptions& options, LevelRunner& runner) {
    const auto [low, high] = std::minmax_element(options.request_rates.begin(), options.request_rates.end());
    bool stored = true;
    const double rate = bench::find_goodput_rate(*low, *high, options.goodput_steps, 0.9, [&](double r) {
        stored = stored && runner.run(options.max_concurrency, r);
        return stored ? runner.levels().back().slo_attainment : 1.0;
    });
    if (!stored) {
        return std::nullopt;
    }
    std::cerr << "hearth bench serve: goodput rate (90% within the SLOs): "
              << (rate > 0 ? std::to_string(rate) + " req/s" : "below " + std::to_string(*low) + " req/s") << "\n";
    return rate;
}

int serve_bench(BenchOptions& options) {
    auto& config = options.serve;
    config.endpoint = endpoint_of(options.endpoint);
    config.level_time_limit = std::chrono::seconds(options.time_limit_s);
    config.request_timeout = std::chrono::seconds(options.timeout_s);
    if (!load_inputs(options)) {
        return 2;
    }
    auto valid = bench::validate(config);
    if (valid && options.goodput &&
        (options.request_rates.size() < 2 || (config.slo_ttft_ms <= 0 && config.slo_tpot_ms <= 0))) {
        valid = make_error(ErrorCode::INVALID_ARGUMENT,
                           "--goodput needs --request-rate LOW,HIGH and --slo-ttft or --slo-tpot");
    }
    if (!valid) {
        std::cerr << "hearth bench serve: " << valid.error().message << "\n";
        return 2;
    }
    std::optional<bench::BenchDb> db;
    if (!options.no_db) {
        auto opened = bench::BenchDb::open(options.db_path);
        if (!opened) {
            std::cerr << "hearth bench serve: " << opened.error().message << "\n";
            return 1;
        }
        db.emplace(std::move(*opened));
    }
    LevelRunner runner(options, db);
    std::optional<double> goodput_rate;
    if (options.goodput) {
        if (!(goodput_rate = search_goodput(options, runner))) {
            return 1;
        }
    } else {
        for (const auto& [concurrency, rate] : serve_levels(options)) {
            if (!runner.run(concurrency, rate)) {
                return 1;
            }
        }
    }
    print_serve_result(options, runner.levels(), goodput_rate);
    return runner.all_ok() ? 0 : 1;
}

}  // namespace

void add_bench_command(CLI::App& app, BenchOptions& options) {
    CLI::App* bench = app.add_subcommand("bench", "Benchmarks; results are appended to a SQLite database");
    bench->add_option("--db", options.db_path, "Results database")->capture_default_str();
    bench->add_flag("--list", options.list, "Print past results");
    bench->add_option("--limit", options.list_limit, "Rows --list prints")->check(CLI::Range(1, 100000));
    bench->add_option("--plot", options.plot_file,
                      "Draw the stored serve runs as SVG: throughput and latency "
                      "against concurrency or request rate, a series per run");
    bench->add_option("--plot-axis", options.plot_axis, "--plot against concurrency or rate (auto: the newest run's)")
        ->check(CLI::IsMember({"auto", "concurrency", "rate"}))
        ->capture_default_str();
    bench->add_option("--plot-labels", options.plot_labels, "--plot only the runs with these labels")->delimiter(',');
    bench->add_option("--plot-rows", options.plot_rows, "--plot reads this many of the newest rows")
        ->check(CLI::Range(1, 1000000))
        ->capture_default_str();
    CLI::App* serve = bench->add_subcommand("serve", "Load test of a running OpenAI-compatible server");
    serve->fallthrough();  // --db after the serve options
    add_serve_options(*serve, options);
    add_model_bench_options(*bench, options.model);
}

int run_bench(const CLI::App& app, BenchOptions& options) {
    const CLI::App* bench = app.get_subcommand("bench");
    if (bench->got_subcommand("serve")) {
        return serve_bench(options);
    }
    if (options.list) {
        return list_runs(options);
    }
    if (!options.plot_file.empty()) {
        return plot_runs(options);
    }
    if (!options.model.config.model_path.empty()) {
        options.model.db_path = options.db_path;
        return run_model_bench_command(options.model);
    }
    std::cerr << "hearth bench: say what to run: 'hearth bench MODEL', 'hearth bench serve ...' or "
                 "'hearth bench --list' or 'hearth bench --plot FILE.svg'\n";
    return 2;
}

}  // namespace hearth::cli
