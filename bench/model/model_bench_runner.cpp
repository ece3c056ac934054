#include "bench/model/model_bench_runner.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "engine/backend.h"
#include "engine/llama_text_engine.h"
#include "engine/model_probe.h"
#include "util/sha256.h"
#include "util/version.h"

namespace hearth::bench {

namespace {

engine::TextEngineOptions engine_options(const std::string& path, const EngineSettings& s, int n_ctx) {
    engine::TextEngineOptions options;
    options.path = path;
    options.n_slots = 1;
    options.n_ctx_per_slot = n_ctx;
    options.n_batch = s.n_batch;
    options.n_ubatch = s.n_ubatch;
    options.n_threads = s.threads;
    options.n_gpu_layers = s.n_gpu_layers;
    options.flash_attn = engine::flash_attn_from_name(s.flash_attn);
    options.type_k = s.type_k;
    options.type_v = s.type_v;
    options.device = s.device;
    return options;
}

}  // namespace

Result<ModelIdentity> identify_model(const std::string& path) {
    auto info = engine::probe_model_file(path);
    if (!info) {
        return info.error();
    }
    if (info->kind != core::ModelKind::LLM) {
        return make_error(ErrorCode::INVALID_ARGUMENT, path + " is a " + std::string(core::to_string(info->kind)) +
                                                           " model; the engine benchmark measures text generation");
    }
    auto digest = sha256_file_hex(path);
    if (!digest) {
        return digest.error();
    }
    ModelIdentity identity;
    identity.name = std::filesystem::path(path).filename().string();
    identity.path = std::filesystem::absolute(path).string();
    identity.size_bytes = info->size_bytes;
    identity.sha256 = *digest;
    identity.architecture = info->architecture;
    identity.quantization = info->quantization;
    return identity;
}

std::string describe_gpus() {
    std::string text;
    for (const auto& device : engine::BackendGuard::devices()) {
        if (device.type == "cpu") {
            continue;
        }
        char memory[64];
        std::snprintf(memory, sizeof memory, " (%.1f GiB)", static_cast<double>(device.memory_total) / (1 << 30));
        text += (text.empty() ? "" : "; ") + device.name + " " + device.description + memory;
    }
    return text;
}

std::string describe_build() {
    std::string backends;
    for (const auto& device : engine::BackendGuard::devices()) {
        backends += (backends.empty() ? "" : ",") + device.name;
    }
    return "hearth " + std::string(HEARTH_VERSION) + "; " + engine::engine_versions() + "; devices " + backends;
}

Result<std::vector<ModelRun>> run_model_bench(const ModelBenchConfig& config, const ModelBenchHooks& hooks) {
    auto identity = identify_model(config.model_path);
    if (!identity) {
        return identity.error();
    }
    const auto specs = tests(config);
    int n_ctx = 0;
    for (const auto& spec : specs) {
        n_ctx = std::max(n_ctx, spec.tokens());
    }
    std::mt19937 rng(config.seed);
    std::vector<ModelRun> runs;
    for (const auto& settings : sweep(config)) {
        if (hooks.loading) {
            hooks.loading(settings);
        }
        auto engine = engine::LlamaTextEngine::load(engine_options(config.model_path, settings, n_ctx));
        if (!engine) {
            return engine.error();
        }
        identity->n_params = (*engine)->n_params();
        for (const auto& spec : specs) {
            auto run = run_test(**engine, spec, config.repetitions, rng, hooks.progress);
            if (!run) {
                return run.error();
            }
            run->model = *identity;
            run->settings = settings;
            if (hooks.finished) {
                hooks.finished(*run);
            }
            runs.push_back(std::move(*run));
        }
    }
    return runs;
}

}  // namespace hearth::bench
