#include "cli/command_serve.h"

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "server/app.h"
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
    add_text_model_options(*serve, options);
    add_embedding_options(*serve, options);
}

void add_embedding_options(CLI::App& serve, ServeOptions& options) {
    serve
        .add_option("--embedding-batch-window", options.embedding_batch_window_ms,
                    "Milliseconds an embedding or rerank batch waits for more requests to join it (0: never waits)")
        ->check(CLI::Range(0.0, 1000.0))
        ->capture_default_str();
    serve
        .add_option("--embedding-batch-tokens", options.embedding_batch_tokens,
                    "Tokens per embedding or rerank forward pass, all requests together (also bounds one input)")
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
    serve.add_option("--queue-size", options.queue_size, "Requests that may wait for a slot; beyond, 429")
        ->check(CLI::Range(1, 100000))
        ->capture_default_str();
    serve
        .add_option("--step-stretch", options.step_stretch,
                    "A step that also prefills prompts may take this many times a decode-only step: "
                    "lower keeps streams smoother, higher gives new prompts their first token sooner")
        ->check(CLI::Range(1.0, 100.0))
        ->capture_default_str();
}

int run_serve(const ServeOptions& options) {
    server::block_stop_signals();
    server::ServerConfig config;
    config.http.host = options.host;
    config.http.port = static_cast<uint16_t>(options.port);
    config.http.handler_threads = options.handler_threads;
    config.http.read_timeout = std::chrono::seconds(options.read_timeout_s);
    config.http.idle_timeout = std::chrono::seconds(options.idle_timeout_s);
    config.models_dir = options.models_dir.empty() ? default_models_dir() : options.models_dir;
    config.text_models.n_slots = options.parallel;
    config.text_models.n_ctx_per_slot = options.ctx_size;
    config.text_models.n_batch = options.batch_size;
    config.text_models.n_threads = options.threads;
    config.text_models.queue_capacity = static_cast<size_t>(options.queue_size);
    config.text_models.step_stretch = options.step_stretch;
    config.embedding_models.max_batch_tokens = options.embedding_batch_tokens;
    config.embedding_models.batch_window =
        std::chrono::microseconds(static_cast<int64_t>(options.embedding_batch_window_ms * 1000.0));
    config.embedding_models.cache_entries = static_cast<size_t>(options.embedding_cache);
    config.embedding_models.n_threads = options.threads;
    config.embedding_models.queue_capacity = static_cast<size_t>(options.queue_size);
    config.embedding_limits.max_inputs = static_cast<size_t>(options.max_embedding_inputs);
    server::App app(std::move(config));
    if (auto started = app.start(); !started) {
        std::cerr << "hearth: " << started.error().message << "\n";
        return 1;
    }
    // Tests and scripts read the bound port from this line when they asked for port 0.
    std::cout << "hearth listening on " << options.host << ":" << app.port() << std::endl;
    const int sig = server::wait_for_stop_signal();
    log::info("signal {} received: shutting down", sig);
    app.stop();
    return 0;
}

}  // namespace hearth::cli
