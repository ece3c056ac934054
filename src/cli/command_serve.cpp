#include "cli/command_serve.h"

#include <cctype>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <thread>
#include <unistd.h>

#include "api/model_config_json.h"
#include "cli/serve_access.h"
#include "engine/flite_voice.h"
#include "registry/memory_budget.h"
#include "server/app.h"
#include "util/file_io.h"
#include "util/log.h"

namespace hearth::cli {

std::string default_models_dir() {
    if (const char* env = std::getenv("HEARTH_MODELS"); env != nullptr && *env != '\0') {
        return env;
    }
    std::error_code ec;
    if (std::filesystem::is_directory("../shared/models", ec)) {
        return std::filesystem::weakly_canonical("../shared/models", ec).string();
    }
    const char* home = std::getenv("HOME");
    return std::string(home != nullptr ? home : ".") + "/.hearth/models";
}

std::string default_config_path() {
    const char* home_env = std::getenv("HEARTH_HOME");
    if (home_env != nullptr && *home_env != '\0') {
        return std::string(home_env) + "/config.json";
    }
    const char* home = std::getenv("HOME");
    return std::string(home != nullptr ? home : ".") + "/.hearth/config.json";
}

Result<std::optional<uint64_t>> parse_byte_budget(const std::string& text, const std::string& flag) {
    if (text == "auto") {
        return std::optional<uint64_t>{};
    }
    size_t end = 0;
    double value = 0;
    try {
        value = std::stod(text, &end);
    } catch (const std::exception&) {
        end = 0;
    }
    const std::string unit = text.substr(end);
    double scale = 0;
    for (const auto& [name, factor] : std::initializer_list<std::pair<const char*, double>>{{"", 1.0},
                                                                                            {"B", 1.0},
                                                                                            {"KiB", 1024.0},
                                                                                            {"MiB", 1048576.0},
                                                                                            {"GiB", 1073741824.0},
                                                                                            {"K", 1e3},
                                                                                            {"M", 1e6},
                                                                                            {"G", 1e9},
                                                                                            {"KB", 1e3},
                                                                                            {"MB", 1e6},
                                                                                            {"GB", 1e9}}) {
        if (unit == name) {
            scale = factor;
        }
    }
    if (end == 0 || scale == 0 || value < 0 || value * scale > 1e18) {
        return make_error(ErrorCode::INVALID_ARGUMENT,
                          flag + " '" + text + "': expected auto, 0 (none) or a size such as 8GiB or 512MiB");
    }
    return std::optional<uint64_t>{static_cast<uint64_t>(value * scale)};
}

namespace {

void add_responses_options(CLI::App& serve, ServeOptions& options) {
    serve
        .add_option("--responses-store-size", options.responses_store_size,
                    "Responses kept for GET /v1/responses/{id} and previous_response_id (0: none)")
        ->check(CLI::Range(size_t{0}, size_t{1000000}))
        ->capture_default_str();
    serve.add_option("--responses-ttl", options.responses_ttl_s, "Seconds a stored response is kept")
        ->check(CLI::Range(int64_t{1}, int64_t{30} * 86400))
        ->capture_default_str();
}

// Every serve option can come from the environment too (containers, systemd): --ctx-size from HEARTH_CTX_SIZE,
// --no-webui from HEARTH_NO_WEBUI=1. The command line wins. API keys keep their own HEARTH_API_KEY (a list).
void bind_environment(CLI::App& serve) {
    for (CLI::Option* option : serve.get_options()) {
        const auto& names = option->get_lnames();
        if (names.empty() || names.front() == "help" || names.front() == "api-key" || !option->get_envname().empty()) {
            continue;
        }
        std::string env = "HEARTH_";
        for (const char c : names.front()) {
            env += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        }
        option->envname(env);
    }
}

// An isolated model's process (server/isolated_process.h) ends when the server that started it is gone, even
// killed: nothing else would stop it holding its port and its RPC workers.
void watch_parent() {
    const char* parent = std::getenv("HEARTH_PARENT_PID");
    if (parent == nullptr) {
        return;
    }
    const auto pid = static_cast<pid_t>(std::strtol(parent, nullptr, 10));
    std::thread([pid] {
        while (::getppid() == pid) {
            std::this_thread::sleep_for(std::chrono::milliseconds(500));
        }
        log::warn("the server that started this process is gone: stopping");
        ::kill(::getpid(), SIGTERM);
    }).detach();
}

}  // namespace

void add_serve_command(CLI::App& app, ServeOptions& options) {
    CLI::App* serve = app.add_subcommand("serve", "Serve the models of a directory over OpenAI-compatible HTTP");
    serve->add_option("--host", options.host, "Address to bind")->capture_default_str();
    serve->add_option("--port", options.port, "Port to listen on (0 picks a free one)")
        ->check(CLI::Range(0, 65535))
        ->capture_default_str();
    serve->add_option("--models-dir", options.models_dir,
                      "Directory scanned for models (default: $HEARTH_MODELS, "
                      "else ../shared/models, else ~/.hearth/models)");
    serve
        ->add_option("--http-threads", options.handler_threads,
                     "Request handler threads: requests in flight at once, streams included")
        ->check(CLI::Range(1, 1024))
        ->capture_default_str();
    serve->add_option("--read-timeout", options.read_timeout_s, "Seconds to receive a request")
        ->check(CLI::Range(1, 3600))
        ->capture_default_str();
    serve->add_option("--idle-timeout", options.idle_timeout_s, "Seconds a keep-alive connection may idle")
        ->check(CLI::Range(1, 3600))
        ->capture_default_str();
    serve->add_option("--config", options.config_path, "Model config file (default: $HEARTH_HOME/config.json)");
    serve->add_option("--load", options.preload, "Models to load at start-up (repeatable, or comma-separated)")
        ->delimiter(',');
    serve
        ->add_option("--memory-budget", options.memory_budget,
                     "Memory the loaded models may use (auto: 90% of RAM; 0: no limit; e.g. 8GiB)")
        ->capture_default_str();
    serve
        ->add_option("--vram-budget", options.vram_budget,
                     "GPU memory the offloaded layers of the loaded models may use, all GPUs together "
                     "(auto: 90% of what is free at start; 0: no limit)")
        ->capture_default_str();
    serve->add_flag("--no-autoload", options.no_autoload, "Requests to unloaded models fail instead of loading them");
    serve->add_flag("--isolate", options.isolate,
                    "Run every text, embedding and rerank model in a process of its own (unless its options say), so "
                    "that an engine crash ends that model only; models with --rpc workers are isolated anyway");
    serve->add_flag("--no-webui", options.no_webui, "Do not serve the built-in web page at /");
    serve
        ->add_option("--keep-alive", options.keep_alive,
                     "Idle time before a model unloads (seconds, 5m, 1h; -1: never), unless its config says")
        ->capture_default_str();
    serve
        ->add_option("--unload-grace", options.unload_grace_s,
                     "Seconds an unload lets running requests finish before it stops them")
        ->check(CLI::Range(0.0, 3600.0))
        ->capture_default_str();
    add_text_model_options(*serve, options);
    add_embedding_options(*serve, options);
    add_speech_options(*serve, options);
    add_media_options(*serve, options);
    add_access_options(*serve, options);
    add_responses_options(*serve, options);
    bind_environment(*serve);
}

void add_speech_options(CLI::App& serve, ServeOptions& options) {
    serve.add_option("--vad-model", options.vad_model,
                     "Silero VAD model (ggml) for requests with vad=true (default: a silero*.bin in the models "
                     "directory)");
    serve.add_option("--speech-sessions", options.speech_sessions, "Transcriptions at once per whisper model")
        ->check(CLI::Range(1, 64))
        ->capture_default_str();
    serve.add_option("--max-upload-mb", options.max_upload_mb, "Largest audio upload, in MiB; beyond, 413")
        ->check(CLI::Range(1, 1024))
        ->capture_default_str();
    serve.add_option("--max-audio-seconds", options.max_audio_seconds, "Longest audio a request may hold")
        ->check(CLI::Range(1.0, 86400.0))
        ->capture_default_str();
    serve.add_flag("--no-builtin-voice", options.no_builtin_voice,
                   "Do not list the built-in text-to-speech model (flite's voices) as 'flite'");
}

void add_media_options(CLI::App& serve, ServeOptions& options) {
    serve.add_flag("--allow-remote-media", options.allow_remote_media,
                   "Fetch the http(s) image URLs of chat requests (public addresses only, at most 3 redirects); "
                   "off: only inline data: URLs and file:// URLs under --media-dir");
    serve
        .add_option("--media-dir", options.media_dir,
                    "Directory that file:// image URLs may read from (links leading out of it are refused); "
                    "unset: file:// URLs are refused")
        ->check(CLI::ExistingDirectory);
    serve.add_option("--max-image-bytes", options.max_image_bytes, "Largest image in bytes (decoded); beyond, 413")
        ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 30))
        ->capture_default_str();
    serve.add_option("--max-images", options.max_images, "Most images per chat request; beyond, 400")
        ->check(CLI::Range(0u, 4096u))
        ->capture_default_str();
    serve
        .add_option("--max-image-pixels", options.max_image_pixels,
                    "Most pixels (width x height) per image, read from its header; beyond, 413")
        ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 36))
        ->capture_default_str();
}

namespace {

// The first silero*.bin under the models directory: Silero VAD ships as one small ggml file.
std::string find_vad_model(const std::string& models_dir) {
    std::error_code ec;
    for (auto it = std::filesystem::recursive_directory_iterator(models_dir, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (it->is_regular_file(ec) && name.rfind("silero", 0) == 0 && it->path().extension() == ".bin") {
            return it->path().string();
        }
    }
    return {};
}

}  // namespace

void add_embedding_options(CLI::App& serve, ServeOptions& options) {
    serve
        .add_option("--embedding-batch-window", options.embedding_batch_window_ms,
                    "Milliseconds an embedding or rerank batch waits for more requests to join it (0: never waits)")
        ->check(CLI::Range(0.0, 1000.0))
        ->capture_default_str();
    serve
        .add_option("--embedding-batch-tokens", options.embedding_batch_tokens,
                    "Longest embedding or rerank input in tokens (the engine's batch; also capped by the context)")
        ->check(CLI::Range(16, 1 << 16))
        ->capture_default_str();
    serve
        .add_option("--embedding-pass-tokens", options.embedding_pass_tokens,
                    "Tokens per embedding or rerank forward pass, all requests together (a longer input runs alone)")
        ->check(CLI::Range(16, 1 << 16))
        ->capture_default_str();
    serve
        .add_option("--embedding-cache", options.embedding_cache,
                    "Embedding and rerank outputs kept in the LRU cache shared by all models (0: no cache)")
        ->check(CLI::Range(0, 1 << 24))
        ->capture_default_str();
    serve
        .add_option("--max-embedding-inputs", options.max_embedding_inputs,
                    "Most inputs per embeddings request and documents per rerank request; beyond, 400")
        ->check(CLI::Range(1, 1 << 20))
        ->capture_default_str();
}

namespace {

// Speculative decoding with a draft model, llama-server's flags (-md, --draft-max, ...) for every text model whose
// own options do not say; a model is never its own draft.
void add_draft_options(CLI::App& serve, ServeOptions& options) {
    serve.add_option("--draft-model,--md", options.draft_model,
                     "Draft model for speculative decoding: a model name or a GGUF path sharing the vocabulary");
    serve.add_option("--draft-max", options.draft_max, "Draft model: tokens proposed per step")
        ->check(CLI::Range(1, 64))
        ->capture_default_str();
    serve.add_option("--draft-min", options.draft_min, "Draft model: a shorter draft is dropped")
        ->check(CLI::Range(0, 64))
        ->capture_default_str();
    serve.add_option("--draft-p-min", options.draft_p_min, "Draft model: stop at a token below this probability")
        ->check(CLI::Range(0.0, 1.0))
        ->capture_default_str();
    serve.add_option("--draft-device", options.draft_device, "Draft model: ggml device (default: the model's)");
    serve
        .add_option("--draft-n-gpu-layers,--ngld", options.draft_n_gpu_layers,
                    "Draft model: layers on the GPU (-1: all)")
        ->check(CLI::Range(-1, 100000))
        ->capture_default_str();
}

// Placement over devices, llama-server's flags, for every text model whose own options do not say.
void add_placement_options(CLI::App& serve, ServeOptions& options) {
    serve.add_option("--device,--dev", options.device,
                     "ggml devices to offload text models to, comma-separated (none: CPU only; default: every GPU)");
    serve.add_option("--n-gpu-layers,--ngl", options.n_gpu_layers, "Text models: layers offloaded (-1: all)")
        ->check(CLI::Range(-1, 100000))
        ->capture_default_str();
    serve
        .add_option("--rpc", options.rpc,
                    "`hearth rpc-worker` endpoints (host:port, comma-separated) whose devices take text models' "
                    "layers after the local devices")
        ->delimiter(',');
    serve.add_option("--split-mode,--sm", options.split_mode, "Split over devices: none, layer or row")
        ->check(CLI::IsMember({"none", "layer", "row"}))
        ->capture_default_str();
    serve.add_option("--main-gpu,--mg", options.main_gpu, "split-mode none: the offload device's index")
        ->check(CLI::Range(0, 255))
        ->capture_default_str();
    serve.add_option("--tensor-split,--ts", options.tensor_split, "Share of the layers per offload device, e.g. 3,1")
        ->delimiter(',');
}

}  // namespace

void add_text_model_options(CLI::App& serve, ServeOptions& options) {
    serve.add_option("--parallel,--np", options.parallel, "Sequences each LLM generates at once (slots)")
        ->check(CLI::Range(1, 256))
        ->capture_default_str();
    serve.add_option("-c,--ctx-size", options.ctx_size, "Context tokens per slot (capped at the model's own)")
        ->check(CLI::Range(64, 1 << 20))
        ->capture_default_str();
    serve.add_option("-b,--batch-size", options.batch_size, "Tokens per scheduler step (decode + prefill chunks)")
        ->check(CLI::Range(8, 1 << 16))
        ->capture_default_str();
    serve.add_option("-t,--threads", options.threads, "CPU threads per model (0: one per core)")
        ->check(CLI::Range(0, 1024))
        ->capture_default_str();
    serve
        .add_option("--sampling-threads", options.sampling_threads,
                    "Threads drawing an LLM step's tokens at once (0: the decode's threads; every core when "
                    "the model is on a GPU)")
        ->check(CLI::Range(0, 1024))
        ->capture_default_str();
    serve.add_option("--queue-size", options.queue_size, "Requests that may wait for a slot; beyond, 429")
        ->check(CLI::Range(1, 100000))
        ->capture_default_str();
    serve
        .add_option("--step-stretch", options.step_stretch,
                    "A step that also prefills prompts may take this many times a decode-only step: "
                    "lower keeps streams smoother, higher gives new prompts their first token sooner")
        ->check(CLI::Range(1.0, 100.0))
        ->capture_default_str();
    serve
        .add_option("--prefill-order", options.prefill_order,
                    "Which waiting prompt a step's prompt tokens go to first: fcfs (oldest) or shortest (fewest "
                    "tokens left, 100 fewer per second waited)")
        ->check(CLI::IsMember({"fcfs", "shortest"}))
        ->capture_default_str();
    serve
        .add_option("--lookup", options.lookup_draft_max,
                    "Prompt lookup (draft-free speculative decoding): draft tokens per step for requests and models "
                    "that do not say (0: off)")
        ->check(CLI::Range(0, 64))
        ->capture_default_str();
    add_draft_options(serve, options);
    add_placement_options(serve, options);
    serve.add_flag("--no-burst-prefill", options.no_burst_prefill,
                   "New streams start decoding as soon as their prompt is in, even while a burst of other "
                   "prompts is still being prefilled (default: they wait for the burst, then decode together)");
    serve
        .add_option("--prompt-cache", options.prompt_cache_mib,
                    "MiB of host memory per text model for conversations whose slot went to another prompt, "
                    "restored when they continue (-1: as much as the model's KV cache; 0: off)")
        ->check(CLI::Range(int64_t{-1}, int64_t{1} << 30))
        ->capture_default_str();
}

namespace {

// The text models' defaults from the command line.
void set_text_defaults(const ServeOptions& options, registry::TextModelOptions& text_models) {
    text_models.n_slots = options.parallel;
    text_models.n_ctx_per_slot = options.ctx_size;
    text_models.n_batch = options.batch_size;
    text_models.n_threads = options.threads;
    text_models.n_sampling_threads = options.sampling_threads;
    text_models.queue_capacity = static_cast<size_t>(options.queue_size);
    text_models.step_stretch = options.step_stretch;
    text_models.burst_prefill = !options.no_burst_prefill;
    text_models.prefill_order = options.prefill_order;
    text_models.lookup_draft_max = options.lookup_draft_max;
    text_models.draft_model = options.draft_model;
    text_models.draft_max = options.draft_max;
    text_models.draft_min = std::min(options.draft_min, options.draft_max);
    text_models.draft_p_min = static_cast<float>(options.draft_p_min);
    text_models.draft_device = options.draft_device;
    text_models.draft_n_gpu_layers = options.draft_n_gpu_layers;
    text_models.prompt_cache_mib = options.prompt_cache_mib;
    text_models.device = options.device;
    text_models.n_gpu_layers = options.n_gpu_layers;
    text_models.rpc = options.rpc;
    text_models.split_mode = options.split_mode;
    text_models.main_gpu = options.main_gpu;
    text_models.tensor_split = options.tensor_split;
}

// The registry's settings from the command line and the config file; errors are one line for the user.
Result<registry::RegistryConfig> registry_config(const ServeOptions& options) {
    registry::RegistryConfig config;
    config.models_dir = options.models_dir.empty() ? default_models_dir() : options.models_dir;
    const std::string path = options.config_path.empty() ? default_config_path() : options.config_path;
    auto text = read_text_file(path);
    if (!text && (text.error().code != ErrorCode::NOT_FOUND || !options.config_path.empty())) {
        return text.error();  // a missing default config is fine; a missing named one is not
    }
    if (text) {
        auto specs = api::parse_model_config(*text);
        if (!specs) {
            return make_error(ErrorCode::INVALID_ARGUMENT, path + ": " + specs.error().message);
        }
        config.configured = std::move(*specs);
    }
    auto budget = parse_byte_budget(options.memory_budget, "--memory-budget");
    auto vram_budget = parse_byte_budget(options.vram_budget, "--vram-budget");
    auto keep_alive = api::parse_keep_alive(nlohmann::json(options.keep_alive), "--keep-alive");
    if (!budget || !vram_budget) {
        return budget ? vram_budget.error() : budget.error();
    }
    if (!keep_alive) {
        return keep_alive.error();
    }
    config.memory_budget = budget->value_or(registry::default_memory_budget());
    config.vram_budget = *vram_budget;  // auto: the registry asks the devices
    config.keep_alive_s = *keep_alive;
    config.unload_grace = std::chrono::milliseconds(static_cast<int64_t>(options.unload_grace_s * 1000));
    config.autoload = !options.no_autoload;
    config.isolate = options.isolate;
    set_text_defaults(options, config.text_defaults);
    auto& embedding = config.embedding_defaults;
    embedding.max_batch_tokens = options.embedding_batch_tokens;
    embedding.pass_tokens = options.embedding_pass_tokens;
    embedding.batch_window =
        std::chrono::microseconds(static_cast<int64_t>(options.embedding_batch_window_ms * 1000.0));
    embedding.cache_entries = static_cast<size_t>(options.embedding_cache);
    embedding.n_threads = options.threads;
    embedding.queue_capacity = static_cast<size_t>(options.queue_size);
    auto& speech = config.speech_defaults;
    speech.sessions = static_cast<size_t>(options.speech_sessions);
    speech.n_threads = options.threads;
    speech.vad_model_path = options.vad_model.empty() ? find_vad_model(config.models_dir) : options.vad_model;
    config.builtin_voice = !options.no_builtin_voice && engine::FliteSynthesizer::available();
    config.voice_defaults.n_threads = options.threads;
    config.voice_defaults.max_waiting = static_cast<size_t>(options.queue_size);
    return config;
}

// What an isolated model's process (server/isolated_process.h) takes from this server's flags: the limits on
// what clients send and the defaults of models that are not text models (those get theirs as options).
std::vector<std::string> isolated_serve_flags(const ServeOptions& o, const registry::RegistryConfig& registry) {
    std::vector<std::string> flags = {"--threads",
                                      std::to_string(o.threads),
                                      "--embedding-batch-window",
                                      std::to_string(o.embedding_batch_window_ms),
                                      "--embedding-batch-tokens",
                                      std::to_string(o.embedding_batch_tokens),
                                      "--embedding-pass-tokens",
                                      std::to_string(o.embedding_pass_tokens),
                                      "--embedding-cache",
                                      std::to_string(o.embedding_cache),
                                      "--max-embedding-inputs",
                                      std::to_string(o.max_embedding_inputs),
                                      "--speech-sessions",
                                      std::to_string(o.speech_sessions),
                                      "--max-upload-mb",
                                      std::to_string(o.max_upload_mb),
                                      "--max-audio-seconds",
                                      std::to_string(o.max_audio_seconds),
                                      "--max-image-bytes",
                                      std::to_string(o.max_image_bytes),
                                      "--max-images",
                                      std::to_string(o.max_images),
                                      "--max-image-pixels",
                                      std::to_string(o.max_image_pixels)};
    if (!registry.speech_defaults.vad_model_path.empty()) {
        flags.insert(flags.end(), {"--vad-model", registry.speech_defaults.vad_model_path});
    }
    if (o.allow_remote_media) {
        flags.emplace_back("--allow-remote-media");
    }
    if (!o.media_dir.empty()) {
        flags.insert(flags.end(), {"--media-dir", o.media_dir});
    }
    return flags;
}

}  // namespace

int run_serve(const ServeOptions& options) {
    server::block_stop_signals();
    server::ServerConfig config;
    if (auto access = apply_access_options(options, config); !access) {
        std::cerr << "hearth serve: " << access.error().message << "\n";
        return 2;
    }
    auto registry = registry_config(options);
    if (!registry) {
        std::cerr << "hearth serve: " << registry.error().message << "\n";
        return 2;
    }
    config.isolated_serve_flags = isolated_serve_flags(options, *registry);
    config.registry = std::move(*registry);
    config.preload = options.preload;
    config.http.host = options.host;
    config.http.port = static_cast<uint16_t>(options.port);
    config.http.handler_threads = options.handler_threads;
    config.http.read_timeout = std::chrono::seconds(options.read_timeout_s);
    config.http.idle_timeout = std::chrono::seconds(options.idle_timeout_s);
    config.embedding_limits.max_inputs = static_cast<size_t>(options.max_embedding_inputs);
    config.audio_limits.max_upload_bytes = static_cast<size_t>(options.max_upload_mb) << 20;
    config.audio_limits.max_audio_seconds = options.max_audio_seconds;
    config.media.allow_remote = options.allow_remote_media;
    config.media.media_dir = options.media_dir;
    config.media.max_image_bytes = static_cast<size_t>(options.max_image_bytes);
    config.media.max_images = options.max_images;
    config.media.max_image_pixels = options.max_image_pixels;
    config.responses = {options.responses_store_size, std::chrono::seconds(options.responses_ttl_s)};
    config.webui = !options.no_webui;
    watch_parent();
    server::App app(std::move(config));
    if (auto started = app.start(); !started) {
        std::cerr << "hearth: " << started.error().message << "\n";
        return 1;
    }
    // Tests and scripts read the bound port from this line when they asked for port 0: it comes once the --load
    // models are in (meanwhile the server already answers, /health with 503 "loading").
    int sig = app.wait_until_serving();  // a stop signal may come while the --load models load
    if (sig == 0) {
        std::cout << "hearth listening on " << options.host << ":" << app.port() << std::endl;
        sig = server::wait_for_stop_signal();
    }
    log::info("signal {} received: finishing requests in flight (up to {} s), then exiting", sig,
              options.shutdown_timeout_s);
    server::exit_on_next_stop_signal();
    app.stop();
    log::info("stopped");
    return 0;
}

}  // namespace hearth::cli
