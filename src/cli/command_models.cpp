#include "cli/command_models.h"

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <tuple>

#include "api/model_config_json.h"
#include "cli/command_serve.h"
#include "engine/backend.h"
#include "engine/model_probe.h"
#include "pull/puller.h"
#include "registry/memory_budget.h"
#include "registry/model_entries.h"
#include "util/file_io.h"

namespace hearth::cli {

namespace {

std::string config_path_of(const ModelsOptions& o) {
    return o.config_path.empty() ? default_config_path() : o.config_path;
}

Result<std::vector<core::ModelSpec>> read_config(const std::string& path) {
    auto text = read_text_file(path);
    if (!text) {
        return text.error().code == ErrorCode::NOT_FOUND
                   ? Result<std::vector<core::ModelSpec>>(std::vector<core::ModelSpec>{})
                   : Result<std::vector<core::ModelSpec>>(text.error());
    }
    auto specs = api::parse_model_config(*text);
    if (!specs) {
        return make_error(ErrorCode::INVALID_ARGUMENT, path + ": " + specs.error().message);
    }
    return specs;
}

void add_load_options(CLI::App& add, ModelsOptions& o) {
    add.add_option("--device,--dev", o.device, "ggml devices to offload to, comma-separated (none: CPU only)");
    add.add_option("--rpc", o.rpc, "rpc-worker endpoints, host:port, comma-separated")->delimiter(',');
    add.add_option("--split-mode,--sm", o.split_mode, "Split over devices: none, layer or row");
    add.add_option("--main-gpu,--mg", o.main_gpu, "split-mode none: the offload device's index");
    add.add_flag("--isolate,!--no-isolate", o.isolate,
                 "Run the model in a process of its own, so that its crash never ends the server (default: on "
                 "with --rpc)");
    add.add_option("--n-gpu-layers,--ngl", o.n_gpu_layers, "Layers offloaded to the GPU (-1: all)");
    add.add_option("--tensor-split", o.tensor_split, "Share of the model per GPU, e.g. 3,1")->delimiter(',');
    add.add_option("-c,--ctx-size", o.n_ctx, "Context tokens per slot");
    add.add_option("--parallel,--np", o.n_slots, "Parallel sequences (slots)");
    add.add_option("-b,--batch-size", o.n_batch, "Tokens per step");
    add.add_option("--ubatch-size", o.n_ubatch, "Tokens per compute pass");
    add.add_option("-t,--threads", o.n_threads, "CPU threads (0: one per core)");
    add.add_option("--flash-attn", o.flash_attn, "auto, on or off");
    add.add_option("--cache-type-k", o.type_k, "K cache type (f16, q8_0, ...)");
    add.add_option("--cache-type-v", o.type_v, "V cache type");
    add.add_option("--keep-alive", o.keep_alive, "Idle time before unloading (seconds, 5m, 1h; -1: never)");
    add.add_option("--draft-model,--md", o.draft_model,
                   "Draft model for speculative decoding: a model name or a GGUF path sharing the vocabulary");
    add.add_option("--draft-max", o.draft_max, "Draft model: tokens proposed per step (default 3)");
    add.add_option("--draft-min", o.draft_min, "Draft model: a shorter draft is dropped (default 0)");
    add.add_option("--draft-p-min", o.draft_p_min, "Draft model: stop at a token below this probability (0..1)");
    add.add_option("--draft-device", o.draft_device, "Draft model: ggml device (default: the model's)");
    add.add_option("--draft-n-gpu-layers,--ngld", o.draft_n_gpu_layers, "Draft model: layers on the GPU (-1: all)");
    add.add_option("--lookup", o.lookup, "Prompt lookup: draft tokens per step for requests that do not say (0: off)");
}

// Only the options given on the command line are set: the rest keep following the server's defaults.
Result<core::LoadOptions> load_options(const CLI::App& add, const ModelsOptions& o) {
    core::LoadOptions out;
    const auto given = [&add](const char* name) { return add.count(name) > 0; };
    const auto text = [&](const char* name, const std::string& v, std::optional<std::string>& into) {
        if (given(name)) {
            into = v;
        }
    };
    const auto number = [&](const char* name, int v, std::optional<int32_t>& into) {
        if (given(name)) {
            into = v;
        }
    };
    text("--device", o.device, out.device);
    number("--n-gpu-layers", o.n_gpu_layers, out.n_gpu_layers);
    out.tensor_split = o.tensor_split;
    out.rpc = o.rpc;
    text("--split-mode", o.split_mode, out.split_mode);
    number("--main-gpu", o.main_gpu, out.main_gpu);
    if (given("--isolate")) {
        out.isolate = o.isolate;
    }
    number("--ctx-size", o.n_ctx, out.n_ctx);
    number("--parallel", o.n_slots, out.n_slots);
    number("--batch-size", o.n_batch, out.n_batch);
    number("--ubatch-size", o.n_ubatch, out.n_ubatch);
    number("--threads", o.n_threads, out.n_threads);
    text("--flash-attn", o.flash_attn, out.flash_attn);
    text("--cache-type-k", o.type_k, out.type_k);
    text("--cache-type-v", o.type_v, out.type_v);
    text("--draft-model", o.draft_model, out.draft_model);
    number("--draft-max", o.draft_max, out.draft_max);
    number("--draft-min", o.draft_min, out.draft_min);
    if (given("--draft-p-min")) {
        out.draft_p_min = static_cast<float>(o.draft_p_min);
    }
    text("--draft-device", o.draft_device, out.draft_device);
    number("--draft-n-gpu-layers", o.draft_n_gpu_layers, out.draft_n_gpu_layers);
    number("--lookup", o.lookup, out.lookup_draft_max);
    if (given("--keep-alive")) {
        auto seconds = api::parse_keep_alive(nlohmann::json(o.keep_alive), "--keep-alive");
        if (!seconds) {
            return seconds.error();
        }
        out.keep_alive_s = *seconds;
    }
    if (auto valid = core::validate(out); !valid) {
        return valid.error();
    }
    return out;
}

Result<core::ModelSpec> spec_from(const CLI::App& add, const ModelsOptions& o) {
    core::ModelSpec spec;
    spec.name = o.name;
    if (auto valid = core::validate_model_name(o.name); !valid) {
        return valid.error();
    }
    auto info = engine::probe_model_file(o.path);
    if (!info) {
        return make_error(info.error().code, o.path + ": " + info.error().message);
    }
    spec.path = std::filesystem::absolute(o.path).lexically_normal().string();
    if (!o.kind.empty()) {
        spec.kind = core::parse_model_kind(o.kind);
        if (!spec.kind) {
            return make_error(ErrorCode::INVALID_ARGUMENT,
                              "--kind must be llm, embedding, rerank, whisper, tts or vlm");
        }
        if (*spec.kind != info->kind && *spec.kind != core::ModelKind::VLM && *spec.kind != core::ModelKind::TTS) {
            return make_error(ErrorCode::INVALID_ARGUMENT,
                              o.path + " is a " + std::string(core::to_string(info->kind)) + " model, not " + o.kind);
        }
    }
    if (spec.kind == core::ModelKind::VLM && o.mmproj.empty()) {
        return make_error(ErrorCode::INVALID_ARGUMENT, "a vlm needs its projector: --mmproj FILE");
    }
    for (auto [flag, given, field] :
         {std::tuple{"--mmproj", &o.mmproj, &spec.mmproj}, std::tuple{"--vocoder", &o.vocoder, &spec.vocoder},
          std::tuple{"--speakers", &o.speakers, &spec.speakers}}) {
        if (given->empty()) {
            continue;
        }
        if (!std::filesystem::exists(*given)) {
            return make_error(ErrorCode::NOT_FOUND, std::string(flag) + " " + *given + " does not exist");
        }
        *field = std::filesystem::absolute(*given).lexically_normal().string();
    }
    if (info->kind == core::ModelKind::TTS && spec.vocoder.empty()) {
        return make_error(ErrorCode::INVALID_ARGUMENT, "an OuteTTS model needs its vocoder: --vocoder FILE");
    }
    auto options = load_options(add, o);
    if (!options) {
        return options.error();
    }
    spec.options = std::move(*options);
    return spec;
}

int fail(const std::string& command, const std::string& message) {
    std::cerr << "hearth " << command << ": " << message << "\n";
    return 1;
}

int run_add(const CLI::App& add, const ModelsOptions& o) {
    const std::string path = config_path_of(o);
    auto specs = read_config(path);
    auto spec = specs ? spec_from(add, o) : Result<core::ModelSpec>(specs.error());
    if (!spec) {
        return fail("add", spec.error().message);
    }
    auto existing = std::find_if(specs->begin(), specs->end(), [&](const auto& s) { return s.name == o.name; });
    if (existing != specs->end() && !o.replace) {
        return fail("add", "a model named '" + o.name + "' exists already (--replace to change it)");
    }
    if (existing != specs->end()) {
        *existing = *spec;
    } else {
        specs->push_back(*spec);
    }
    if (auto written = write_file_atomically(path, api::format_model_config(*specs)); !written) {
        return fail("add", written.error().message);
    }
    std::cout << "added " << o.name << " (" << spec->path << ") to " << path << "\n";
    return 0;
}

// rm --files: a pulled model's files and its manifest entry.
int run_rm_files(const ModelsOptions& o) {
    auto removed = pull::remove_pulled(o.models_dir.empty() ? default_models_dir() : o.models_dir, o.name);
    if (!removed) {
        return fail("rm", removed.error().message);
    }
    for (const std::string& file : *removed) {
        std::cout << "deleted " << file << "\n";
    }
    std::cout << "removed " << o.name << "\n";
    return 0;
}

int run_rm(const ModelsOptions& o) {
    if (o.files) {
        return run_rm_files(o);
    }
    const std::string path = config_path_of(o);
    auto specs = read_config(path);
    if (!specs) {
        return fail("rm", specs.error().message);
    }
    const auto before = specs->size();
    std::erase_if(*specs, [&](const auto& s) { return s.name == o.name; });
    if (specs->size() == before) {
        return fail("rm", "no configured model named '" + o.name + "' (hearth list shows them)");
    }
    if (auto written = write_file_atomically(path, api::format_model_config(*specs)); !written) {
        return fail("rm", written.error().message);
    }
    std::cout << "removed " << o.name << " from " << path << " (the file itself is untouched)\n";
    return 0;
}

int run_list(const ModelsOptions& o) {
    auto specs = read_config(config_path_of(o));
    if (!specs) {
        return fail("list", specs.error().message);
    }
    const auto scan = registry::collect_entries(o.models_dir.empty() ? default_models_dir() : o.models_dir, *specs);
    if (o.json) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& e : scan.entries) {
            out.push_back({{"name", e.catalog.id},
                           {"kind", core::to_string(e.catalog.info.kind)},
                           {"architecture", e.catalog.info.architecture},
                           {"quantization", e.catalog.info.quantization},
                           {"size_bytes", e.catalog.info.size_bytes},
                           {"source", e.configured ? "config" : "scan"},
                           {"path", e.catalog.info.path},
                           {"options", api::load_options_json(e.spec.options)},
                           {"error", e.probe_error}});
        }
        std::cout << out.dump(2) << "\n";
        return 0;
    }
    std::printf("%-28s %-10s %-10s %-8s %10s  %-6s  %s\n", "NAME", "KIND", "ARCH", "QUANT", "SIZE", "SOURCE", "PATH");
    for (const auto& e : scan.entries) {
        const auto& i = e.catalog.info;
        std::printf("%-28s %-10s %-10s %-8s %10s  %-6s  %s%s\n", e.catalog.id.c_str(),
                    std::string(core::to_string(i.kind)).c_str(), i.architecture.c_str(), i.quantization.c_str(),
                    registry::format_bytes(i.size_bytes).c_str(), e.configured ? "config" : "scan", i.path.c_str(),
                    e.probe_error.empty() ? "" : ("  (error: " + e.probe_error + ")").c_str());
    }
    return 0;
}

}  // namespace

void add_models_commands(CLI::App& app, ModelsOptions& o) {
    CLI::App* add = app.add_subcommand("add", "Add a model to the config file: hearth add NAME PATH");
    add->add_option("name", o.name, "Model name used in requests")->required();
    add->add_option("path", o.path, "Model file (GGUF, or whisper.cpp ggml)")->required();
    add->add_option("--kind", o.kind, "llm, embedding, rerank, whisper, tts or vlm (detected when omitted)");
    add->add_option("--mmproj", o.mmproj, "Projector file of a vlm");
    add->add_option("--vocoder", o.vocoder, "WavTokenizer vocoder file of an OuteTTS (tts) model");
    add->add_option("--speakers", o.speakers, "Folder of OuteTTS speaker profiles (*.json): the model's voices");
    add->add_flag("--replace", o.replace, "Replace a model of the same name");
    add_load_options(*add, o);
    CLI::App* list = app.add_subcommand("list", "List configured models and the models directory's files");
    list->add_flag("--json", o.json, "JSON instead of a table");
    list->add_option("--models-dir", o.models_dir, "Models directory (default as hearth serve)");
    CLI::App* rm = app.add_subcommand("rm", "Remove a model from the config file (not its file), or a pulled one");
    rm->add_option("name", o.name, "Model name")->required();
    rm->add_flag("--files", o.files, "Delete a pulled model's files (hearth pull) instead");
    rm->add_option("--models-dir", o.models_dir, "Models directory of the pulled model (default as hearth serve)");
    for (CLI::App* command : {add, list, rm}) {
        command->add_option("--config", o.config_path, "Config file (default: $HEARTH_HOME/config.json)");
    }
}

int run_models_command(const CLI::App& app, ModelsOptions& options) {
    engine::silence_engine_logs();  // a file that is not a model gets our one line, not gguf's
    if (app.got_subcommand("add")) {
        return run_add(*app.get_subcommand("add"), options);
    }
    if (app.got_subcommand("rm")) {
        return run_rm(options);
    }
    return run_list(options);
}

}  // namespace hearth::cli
