#include "bench/model/model_bench.h"

#include <chrono>

namespace hearth::bench {

namespace {

Error invalid(std::string message) {
    return make_error(ErrorCode::INVALID_ARGUMENT, std::move(message));
}

Result<void> check_all(const std::vector<int>& values, const char* name, int min, int max) {
    if (values.empty()) {
        return invalid(std::string(name) + " needs at least one value");
    }
    for (const int v : values) {
        if (v < min || v > max) {
            return invalid(std::string(name) + " must be in [" + std::to_string(min) + ", " + std::to_string(max) +
                           "], got " + std::to_string(v));
        }
    }
    return {};
}

std::vector<int32_t> random_tokens(int n, int32_t n_vocab, std::mt19937& rng) {
    std::uniform_int_distribution<int32_t> pick(0, n_vocab - 1);
    std::vector<int32_t> tokens(static_cast<size_t>(n));
    for (auto& t : tokens) {
        t = pick(rng);
    }
    return tokens;
}

// Decodes the prompt from position 0 in batches of the engine's n_batch; logits for the last token only.
Result<void> decode_prompt(engine::TextEngine& engine, const std::vector<int32_t>& tokens) {
    const auto n = static_cast<int32_t>(tokens.size());
    for (int32_t start = 0; start < n; start += engine.n_batch()) {
        const int32_t end = std::min(n, start + engine.n_batch());
        engine.batch_clear();
        for (int32_t pos = start; pos < end; ++pos) {
            engine.batch_add(tokens[static_cast<size_t>(pos)], pos, 0, pos == n - 1);
        }
        if (auto decoded = engine.decode(); !decoded) {
            return decoded.error();
        }
    }
    return {};
}

// One token per decode, as a single generating sequence does; the next token is drawn, not sampled.
Result<void> decode_generation(engine::TextEngine& engine, int n, std::mt19937& rng) {
    std::uniform_int_distribution<int32_t> pick(0, engine.n_vocab() - 1);
    for (int32_t pos = 0; pos < n; ++pos) {
        engine.batch_clear();
        engine.batch_add(pick(rng), pos, 0, true);
        if (auto decoded = engine.decode(); !decoded) {
            return decoded.error();
        }
    }
    return {};
}

// One run of the test from an empty cache; seconds.
Result<double> timed_run(engine::TextEngine& engine, const TestSpec& test, int n, std::mt19937& rng) {
    engine.seq_clear(0);
    const auto prompt = test.n_prompt > 0 ? random_tokens(n, engine.n_vocab(), rng) : std::vector<int32_t>();
    const auto start = std::chrono::steady_clock::now();
    auto done = test.n_prompt > 0 ? decode_prompt(engine, prompt) : decode_generation(engine, n, rng);
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    if (!done) {
        return done.error();
    }
    return elapsed.count();
}

}  // namespace

Result<void> validate(const ModelBenchConfig& config) {
    if (config.model_path.empty()) {
        return invalid("no model file given");
    }
    for (auto check :
         {check_all(config.n_prompt, "-p (prompt tokens)", 0, 1 << 20),
          check_all(config.n_gen, "-n (generated tokens)", 0, 1 << 20),
          check_all({config.repetitions}, "-r (repetitions)", 1, 1000), check_all(config.threads, "--threads", 0, 1024),
          check_all(config.n_batch, "--batch-size", 1, 1 << 20),
          check_all(config.n_ubatch, "--ubatch-size", 1, 1 << 20),
          check_all(config.n_gpu_layers, "--n-gpu-layers", 0, 100000)}) {
        if (!check) {
            return check;
        }
    }
    for (const auto& mode : config.flash_attn) {
        if (mode != "auto" && mode != "on" && mode != "off") {
            return invalid("--flash-attn must be auto, on or off, got '" + mode + "'");
        }
    }
    if (tests(config).empty()) {
        return invalid("nothing to run: -p and -n are both 0");
    }
    if (config.flash_attn.empty() || config.type_k.empty() || config.type_v.empty() || config.devices.empty()) {
        return invalid("every sweep option needs at least one value");
    }
    return {};
}

std::vector<EngineSettings> sweep(const ModelBenchConfig& c) {
    std::vector<EngineSettings> points{EngineSettings{}};
    // Each axis multiplies the points so far: the first axis varies slowest.
    const auto expand = [&points](const auto& values, auto set) {
        std::vector<EngineSettings> next;
        for (const auto& point : points) {
            for (const auto& value : values) {
                next.push_back(point);
                set(next.back(), value);
            }
        }
        points = std::move(next);
    };
    expand(c.devices, [](EngineSettings& s, const std::string& v) { s.device = v; });
    expand(c.n_gpu_layers, [](EngineSettings& s, int v) { s.n_gpu_layers = v; });
    expand(c.flash_attn, [](EngineSettings& s, const std::string& v) { s.flash_attn = v; });
    expand(c.type_k, [](EngineSettings& s, const std::string& v) { s.type_k = v; });
    expand(c.type_v, [](EngineSettings& s, const std::string& v) { s.type_v = v; });
    expand(c.n_batch, [](EngineSettings& s, int v) { s.n_batch = v; });
    expand(c.n_ubatch, [](EngineSettings& s, int v) { s.n_ubatch = v; });
    expand(c.threads, [](EngineSettings& s, int v) { s.threads = v; });
    return points;
}

std::vector<TestSpec> tests(const ModelBenchConfig& config) {
    std::vector<TestSpec> specs;
    for (const int p : config.n_prompt) {
        if (p > 0) {
            specs.push_back({p, 0});
        }
    }
    for (const int n : config.n_gen) {
        if (n > 0) {
            specs.push_back({0, n});
        }
    }
    return specs;
}

Result<ModelRun> run_test(engine::TextEngine& engine, const TestSpec& test, int repetitions, std::mt19937& rng,
                          const ProgressFn& progress) {
    if (test.tokens() > engine.n_ctx_per_slot()) {
        return invalid(test.name() + " needs " + std::to_string(test.tokens()) + " positions; the context holds " +
                       std::to_string(engine.n_ctx_per_slot()));
    }
    // The warm-up pays one-time costs (first touches of the weights, graph allocation); llama-bench runs one
    // token of generation for tg, which is all it takes there.
    if (auto warm = timed_run(engine, test, test.n_prompt > 0 ? test.n_prompt : 1, rng); !warm) {
        return warm.error();
    }
    if (progress) {
        progress(test, 0, repetitions);
    }
    ModelRun run;
    run.test = test;
    for (int r = 0; r < repetitions; ++r) {
        auto seconds = timed_run(engine, test, test.tokens(), rng);
        if (!seconds) {
            return seconds.error();
        }
        run.tokens_per_s.push_back(test.tokens() / std::max(*seconds, 1e-9));
        if (progress) {
            progress(test, r + 1, repetitions);
        }
    }
    engine.seq_clear(0);
    summarize(run);
    return run;
}

}  // namespace hearth::bench
