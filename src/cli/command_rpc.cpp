#include "cli/command_rpc.h"

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "cli/serve_access.h"
#include "engine/backend.h"
#include "engine/rpc_devices.h"
#include "util/log.h"

namespace hearth::cli {

namespace {

// Tensors the clients send are cached by hash under the user's cache folder (as rpc-server's --cache).
std::string cache_dir() {
    const char* xdg = std::getenv("XDG_CACHE_HOME");
    const char* home = std::getenv("HOME");
    const std::filesystem::path root =
        xdg != nullptr && *xdg != '\0' ? xdg : std::string(home != nullptr ? home : ".") + "/.cache";
    const std::filesystem::path dir = root / "hearth" / "rpc";
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    return dir.string() + "/";
}

}  // namespace

void add_rpc_worker_command(CLI::App& app, RpcWorkerCommandOptions& o) {
    CLI::App* worker =
        app.add_subcommand("rpc-worker",
                           "Serve this host's devices to other hearth servers over ggml RPC (no authentication: "
                           "loopback or a private network only)");
    worker->add_option("--host", o.host, "Address to listen on")->capture_default_str();
    worker->add_option("--port", o.port, "Port")->check(CLI::Range(1, 65535))->capture_default_str();
    worker
        ->add_option("--device,--dev", o.devices,
                     "ggml devices to serve, comma-separated (default: the GPUs, "
                     "else the CPU)")
        ->delimiter(',');
    worker->add_option("-t,--threads", o.threads, "CPU device threads (0: half the cores)")->check(CLI::Range(0, 1024));
    worker->add_flag("--cache", o.cache, "Cache received tensors on disk, so a reconnecting server sends hashes");
}

int run_rpc_worker(const RpcWorkerCommandOptions& o) {
    if (!is_loopback(o.host)) {
        // The RPC protocol has no authentication and trusts its client with the device's memory.
        log::warn(
            "!!! rpc-worker listens on {}: ggml RPC has NO authentication or encryption; anyone who can reach "
            "this port can run computations and read or write this device's memory. Use it only on a "
            "private network or behind a tunnel (docs/scale-out.md).",
            o.host);
    }
    const engine::BackendGuard backends;
    engine::RpcWorkerOptions options;
    const bool v6 = o.host.find(':') != std::string::npos && o.host.front() != '[';
    options.endpoint = (v6 ? "[" + o.host + "]" : o.host) + ":" + std::to_string(o.port);
    options.devices = o.devices;
    options.threads = o.threads;
    if (o.cache) {
        options.cache_dir = cache_dir();
    }
    log::info("rpc-worker serving on {}", options.endpoint);
    const auto served = engine::serve_rpc_worker(options);
    std::cerr << "hearth rpc-worker: " << served.error().message << "\n";
    return 1;
}

}  // namespace hearth::cli
