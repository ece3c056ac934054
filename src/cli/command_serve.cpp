#include "cli/command_serve.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
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
    serve->add_option("--write-timeout", options.write_timeout_s, "Seconds to send one response or stream chunk")
        ->check(CLI::Range(1, 3600))
        ->capture_default_str();
    serve->add_option("--max-connections", options.max_connections, "Open connections at most; beyond, closed")
        ->check(CLI::Range(1, 1000000))
        ->capture_default_str();
    serve
        ->add_option("--shutdown-timeout", options.shutdown_timeout_s,
                     "Seconds in-flight requests may take to finish after SIGINT/SIGTERM (a second signal exits "
                     "at once)")
        ->check(CLI::Range(0, 3600))
        ->capture_default_str();
    add_text_model_options(*serve, options);
    add_access_options(*serve, options);
}

void add_access_options(CLI::App& serve, ServeOptions& options) {
    serve.add_option("--api-key", options.api_keys,
                     "API key clients must send as 'Authorization: Bearer KEY' (repeatable; also $HEARTH_API_KEY)");
    serve.add_option("--api-key-file", options.api_key_file, "File of API keys, one per line ('#' comments)");
    serve.add_flag("--metrics-public", options.metrics_public, "Serve /metrics without an API key");
    serve.add_option("--cors-origin", options.cors_origins,
                     "Browser origin allowed to call the API, e.g. http://localhost:3000 (repeatable; '*' any)");
    serve.add_option("--log-format", options.log_format, "Log lines as text or json")
        ->check(CLI::IsMember({"text", "json"}))
        ->capture_default_str();
    serve.add_flag("--log-prompts", options.log_prompts, "Include request bodies (prompts) in the request log");
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

namespace {

// Keys from --api-key, --api-key-file and $HEARTH_API_KEY together; an unreadable file is an error.
Result<std::vector<std::string>> collect_api_keys(const ServeOptions& options) {
    std::vector<std::string> keys;
    for (const std::string& key : options.api_keys) {
        if (!key.empty()) {
            keys.push_back(key);
        }
    }
    if (const char* env = std::getenv("HEARTH_API_KEY"); env != nullptr && *env != '\0') {
        keys.emplace_back(env);
    }
    if (options.api_key_file.empty()) {
        return keys;
    }
    std::ifstream file(options.api_key_file);
    if (!file) {
        return make_error(ErrorCode::INVALID_ARGUMENT, "cannot read the API key file " + options.api_key_file);
    }
    const size_t before = keys.size();
    for (std::string line; std::getline(file, line);) {
        const size_t begin = line.find_first_not_of(" \t\r");
        const size_t end = line.find_last_not_of(" \t\r");
        if (begin != std::string::npos && line[begin] != '#') {
            keys.push_back(line.substr(begin, end - begin + 1));
        }
    }
    if (keys.size() == before) {
        return make_error(ErrorCode::INVALID_ARGUMENT, "the API key file " + options.api_key_file + " holds no key");
    }
    return keys;
}

bool is_loopback(const std::string& host) {
    return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

server::ServerConfig make_config(const ServeOptions& options, std::vector<std::string> api_keys) {
    server::ServerConfig config;
    config.http.host = options.host;
    config.http.port = static_cast<uint16_t>(options.port);
    config.http.handler_threads = options.handler_threads;
    config.http.read_timeout = std::chrono::seconds(options.read_timeout_s);
    config.http.idle_timeout = std::chrono::seconds(options.idle_timeout_s);
    config.http.write_timeout = std::chrono::seconds(options.write_timeout_s);
    config.http.max_connections = options.max_connections;
    config.models_dir = options.models_dir.empty() ? default_models_dir() : options.models_dir;
    config.text_models.n_slots = options.parallel;
    config.text_models.n_ctx_per_slot = options.ctx_size;
    config.text_models.n_batch = options.batch_size;
    config.text_models.n_threads = options.threads;
    config.text_models.queue_capacity = static_cast<size_t>(options.queue_size);
    config.text_models.step_stretch = options.step_stretch;
    config.access.api_keys = std::move(api_keys);
    config.access.metrics_public = options.metrics_public;
    config.access.cors_origins = options.cors_origins;
    config.access.log_prompts = options.log_prompts;
    config.shutdown_timeout = std::chrono::seconds(options.shutdown_timeout_s);
    return config;
}

}  // namespace

int run_serve(const ServeOptions& options) {
    server::block_stop_signals();
    if (options.log_format == "json") {
        log::set_format(log::Format::JSON);
    }
    auto keys = collect_api_keys(options);
    if (!keys) {
        std::cerr << "hearth: " << keys.error().message << "\n";
        return 1;
    }
    if (keys->empty() && !is_loopback(options.host)) {
        log::warn(
            "listening on {} without an API key: anyone who can reach this address can use the models "
            "(set --api-key, --api-key-file or HEARTH_API_KEY)",
            options.host);
    }
    server::App app(make_config(options, std::move(keys).value()));
    if (auto started = app.start(); !started) {
        std::cerr << "hearth: " << started.error().message << "\n";
        return 1;
    }
    // Tests and scripts read the bound port from this line when they asked for port 0.
    std::cout << "hearth listening on " << options.host << ":" << app.port() << std::endl;
    const int sig = server::wait_for_stop_signal();
    log::info("signal {} received: finishing requests in flight (up to {} s), then exiting", sig,
              options.shutdown_timeout_s);
    server::exit_on_next_stop_signal();
    app.stop();
    log::info("stopped");
    return 0;
}

}  // namespace hearth::cli
