#include "server/app.h"

#include <csignal>
#include <cstdlib>
#include <thread>

#include "engine/backend.h"
#include "http/http_server.h"
#include "http/router.h"
#include "registry/memory_budget.h"
#include "registry/model_registry.h"
#include "server/gateway.h"
#include "server/isolated_process.h"
#include "server/routes.h"
#include "server/server_metrics.h"
#include "server/web_routes.h"
#include "util/log.h"

namespace hearth::server {

namespace {

sigset_t stop_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    return set;
}

// The registry sees the devices the backends found (once they are loaded), unless the caller chose them, and
// starts isolated models as processes of this executable.
registry::RegistryConfig with_devices(registry::RegistryConfig config, const std::vector<std::string>& serve_flags) {
    if (config.devices.empty()) {
        config.devices = engine::BackendGuard::devices();
    }
    if (!config.launch_isolated) {
        IsolationConfig isolation;
        isolation.text_defaults = config.text_defaults;
        isolation.load_timeout = std::chrono::duration_cast<std::chrono::seconds>(config.load_wait);
        isolation.serve_flags = serve_flags;
        config.launch_isolated =
            [isolation](const registry::CatalogEntry& entry, const core::LoadOptions& options,
                        const registry::LoadProgress& progress) -> Result<std::shared_ptr<registry::IsolatedModel>> {
            auto process = IsolatedProcess::start(entry, options, isolation, progress);
            if (!process) {
                return process.error();
            }
            return std::shared_ptr<registry::IsolatedModel>(std::move(*process));
        };
    }
    return config;
}

}  // namespace

// Member order is start-up order; destruction runs in reverse (HTTP first, engines last).
struct App::Impl {
    explicit Impl(ServerConfig cfg)
        : config(std::move(cfg)),
          registry(with_devices(config.registry, config.isolated_serve_flags)),
          context{registry,
                  metrics,
                  config.embedding_limits,
                  config.audio_limits,
                  config.media,
                  std::make_shared<ResponseStore>(config.responses)},
          gateway(router, registry, metrics, config.access, &phase),
          http(
              config.http, [this](const http::HttpRequest& req) { return gateway.handle(req); },
              [this](int status, const std::string& message, std::string_view target) {
                  return gateway.transport_error(status, message, target);
              }) {
        context.phase = &phase;
        declare_server_metrics(metrics);
        register_routes(router, context);
        if (config.webui) {
            register_web_routes(router);
        }
    }

    ServerConfig config;
    PhaseFlag phase{ServerPhase::STARTING};
    engine::BackendGuard backends;
    metrics::Registry metrics;
    registry::ModelRegistry registry;
    RouteContext context;
    http::Router router;
    Gateway gateway;
    http::HttpServer http;
    std::thread preloading;  // the --load models, after listening; joined by stop()
    bool stopped = false;
};

App::App(ServerConfig config) : impl_(std::make_unique<Impl>(std::move(config))) {}

App::~App() {
    stop();
}

Result<void> App::start() {
    log::info("{} models ({} configured), models directory {}: {} files not servable", impl_->registry.list().size(),
              impl_->config.registry.configured.size(), impl_->config.registry.models_dir,
              impl_->registry.rejected().size());
    const auto budget_text = [](uint64_t bytes) {
        return bytes == 0 ? std::string("none") : registry::format_bytes(bytes);
    };
    log::info("memory budget {}, GPU memory budget {}", budget_text(impl_->registry.memory_budget()),
              budget_text(impl_->registry.vram_budget()));
    for (const std::string& id : impl_->config.preload) {
        if (!impl_->registry.find(id)) {
            return make_error(ErrorCode::MODEL_NOT_FOUND, "--load " + id + ": no such model (hearth list shows them)");
        }
    }
    if (auto started = impl_->http.start(); !started) {
        return started;
    }
    // After listening, so that /health and status show the loads as they happen (/health: 503 "loading"); a
    // failed load leaves the model failed (with its reason) and the server serving the others.
    impl_->preloading = std::thread([impl = impl_.get()] {
        for (const std::string& id : impl->config.preload) {
            if (impl->phase.load() == ServerPhase::DRAINING) {
                return;
            }
            if (auto loaded = impl->registry.load(id); !loaded) {
                log::error("--load {}: {}", id, loaded.error().message);
            }
        }
        // Ready for traffic (/health 200) once every --load model is loaded or failed, unless a stop came first.
        ServerPhase starting = ServerPhase::STARTING;
        impl->phase.compare_exchange_strong(starting, ServerPhase::SERVING);
    });
    return {};
}

uint16_t App::port() const {
    return impl_->http.port();
}

int App::wait_until_serving() const {
    const sigset_t set = stop_signals();
    const timespec tick{0, 20'000'000};
    while (impl_->phase.load() == ServerPhase::STARTING) {
        if (const int sig = sigtimedwait(&set, nullptr, &tick); sig > 0) {
            return sig;
        }
    }
    return 0;
}

void App::stop() {
    if (impl_->stopped) {
        return;
    }
    impl_->stopped = true;
    // Draining: /health answers 503 and new requests are refused (503) while those in flight finish (streams to
    // their last event), so that a proxy moves traffic to other replicas without losing a request. Then no new
    // connections, and whatever still runs after the timeout is ended.
    impl_->phase = ServerPhase::DRAINING;
    const auto timeout = impl_->config.shutdown_timeout;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    log::info("draining: {} requests in flight", impl_->http.in_flight());
    while (impl_->http.in_flight() > 0 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (!impl_->http.drain(std::max(left, std::chrono::milliseconds(0)))) {
        log::warn("{} requests still running {} s after the stop signal: ending them", impl_->http.in_flight(),
                  timeout.count());
    }
    // A load in progress is not interrupted: its model is unloaded with the others once it is in.
    if (impl_->preloading.joinable()) {
        impl_->preloading.join();
    }
    // Then the models stop: requests still running end with an error event, so their handlers return and the
    // handler pool can be joined.
    impl_->registry.unload_all();
    impl_->http.stop();
}

void block_stop_signals() {
    const sigset_t set = stop_signals();
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    // A client that disconnects mid-write must not kill the process.
    std::signal(SIGPIPE, SIG_IGN);
}

int wait_for_stop_signal() {
    const sigset_t set = stop_signals();
    int sig = 0;
    sigwait(&set, &sig);
    return sig;
}

void exit_on_next_stop_signal() {
    std::thread([] {
        const int sig = wait_for_stop_signal();
        log::warn("signal {} received again: exiting now", sig);
        spdlog::default_logger()->flush();
        std::_Exit(128 + sig);
    }).detach();
}

}  // namespace hearth::server
