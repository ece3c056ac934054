#include "cli/command_model_bench.h"

#include <iostream>
#include <optional>
#include <unistd.h>

#include "bench/bench_db.h"
#include "bench/bench_report.h"
#include "bench/model/model_bench_runner.h"
#include "engine/backend.h"

namespace hearth::cli {

namespace {

template <typename T>
void sweep_option(CLI::App& app, const std::string& name, std::vector<T>& values, const std::string& help) {
    app.add_option(name, values, help + " (several values, comma-separated: a sweep)")
        ->delimiter(',')
        ->capture_default_str();
}

// A bar on a terminal; a line per finished test otherwise (logs, CI).
class Progress {
public:
    explicit Progress(int total_tests) : total_(total_tests), tty_(isatty(STDERR_FILENO) == 1) {}

    void update(const bench::TestSpec& test, int done, int repetitions) {
        if (done == repetitions) {
            ++finished_;
        }
        if (!tty_) {
            if (done == repetitions) {
                std::cerr << "hearth bench: " << finished_ << "/" << total_ << " " << test.name() << " done\n";
            }
            return;
        }
        const int width = 30;
        const int filled = total_ > 0 ? width * finished_ / total_ : width;
        std::cerr << "\r[" << std::string(static_cast<size_t>(filled), '#')
                  << std::string(static_cast<size_t>(width - filled), '.') << "] " << finished_ << "/" << total_ << "  "
                  << test.name() << " rep " << done << "/" << repetitions << "   " << std::flush;
        if (finished_ == total_ && done == repetitions) {
            std::cerr << "\n";
        }
    }

private:
    int total_;
    int finished_ = 0;
    bool tty_;
};

}  // namespace

void add_model_bench_options(CLI::App& bench, ModelBenchOptions& options) {
    auto& c = options.config;
    bench.add_option("model", c.model_path, "GGUF model file to measure (engine benchmark, like llama-bench)");
    sweep_option(bench, "-p,--n-prompt", c.n_prompt, "Prompt tokens of the pp test, 0: none");
    sweep_option(bench, "-n,--n-gen", c.n_gen, "Generated tokens of the tg test, 0: none");
    bench.add_option("-r,--repetitions", c.repetitions, "Timed runs per test")->capture_default_str();
    sweep_option(bench, "-t,--threads", c.threads, "CPU threads, 0: llama.cpp's default");
    sweep_option(bench, "-b,--batch-size", c.n_batch, "Logical batch (tokens per decode)");
    sweep_option(bench, "--ubatch-size", c.n_ubatch, "Physical batch (tokens per compute pass)");
    sweep_option(bench, "--n-gpu-layers,--ngl", c.n_gpu_layers, "Layers offloaded to the GPU");
    sweep_option(bench, "--flash-attn", c.flash_attn, "auto, on or off");
    sweep_option(bench, "--cache-type-k", c.type_k, "K cache type (f16, q8_0, ...)");
    sweep_option(bench, "--cache-type-v", c.type_v, "V cache type (quantized needs flash attention)");
    sweep_option(bench, "--device", c.devices, "ggml device name (none: CPU only), default: all");
    bench.add_option("--seed", c.seed, "Seed of the pseudo-random prompt tokens")->capture_default_str();
    bench.add_option("--label", options.label, "Free text stored with the results");
    bench.add_flag("--json", options.json, "Print the results as JSON instead of a table");
    bench.add_flag("--no-db", options.no_db, "Do not store the results");
}

int run_model_bench_command(ModelBenchOptions& options) {
    if (auto valid = bench::validate(options.config); !valid) {
        std::cerr << "hearth bench: " << valid.error().message << "\n";
        return 2;
    }
    engine::BackendGuard backends;
    std::optional<bench::BenchDb> db;
    if (!options.no_db) {
        auto opened = bench::BenchDb::open(options.db_path);
        if (!opened) {
            std::cerr << "hearth bench: " << opened.error().message << "\n";
            return 1;
        }
        db.emplace(std::move(*opened));
    }
    bench::RunContext context = bench::current_context(options.label);
    context.build = bench::describe_build();
    context.gpu = bench::describe_gpus();
    Progress progress(static_cast<int>(bench::sweep(options.config).size() * bench::tests(options.config).size()));
    std::optional<Error> store_error;
    bench::ModelBenchHooks hooks;
    hooks.progress = [&progress](const bench::TestSpec& t, int done, int reps) { progress.update(t, done, reps); };
    hooks.finished = [&](const bench::ModelRun& run) {
        if (auto stored = db ? db->add_model_run(context, run) : Result<void>(); !stored && !store_error) {
            store_error = stored.error();
        }
    };
    std::cerr << "hearth bench: " << options.config.model_path << " (hashing, loading...)" << std::endl;
    auto runs = bench::run_model_bench(options.config, hooks);
    if (!runs) {
        std::cerr << "\nhearth bench: " << runs.error().message << "\n";
        return 1;
    }
    if (store_error) {
        std::cerr << "hearth bench: " << store_error->message << "\n";
        return 1;
    }
    if (options.json) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& run : *runs) {
            out.push_back(bench::to_json(run));
        }
        std::cout << out.dump(2) << std::endl;
    } else {
        bench::print_model_table(std::cout, *runs);
    }
    return 0;
}

}  // namespace hearth::cli
