#include <ggml-rpc.h>

#include <algorithm>
#include <thread>

#include "engine/rpc_devices.h"

namespace hearth::engine {

namespace {

// As llama.cpp's rpc-server: the named devices, else every GPU, else the CPU.
Result<std::vector<ggml_backend_dev_t>> worker_devices(const std::vector<std::string>& names) {
    std::vector<ggml_backend_dev_t> out;
    for (const auto& name : names) {
        ggml_backend_dev_t dev = ggml_backend_dev_by_name(name.c_str());
        if (dev == nullptr || is_rpc_device(dev)) {
            std::string known;
            for (size_t i = 0; i < ggml_backend_dev_count(); ++i) {
                known += (known.empty() ? "" : ", ") + std::string(ggml_backend_dev_name(ggml_backend_dev_get(i)));
            }
            return make_error(ErrorCode::INVALID_ARGUMENT, "unknown device '" + name + "' (known: " + known + ")");
        }
        out.push_back(dev);
    }
    if (!names.empty()) {
        return out;
    }
    for (size_t i = 0; i < ggml_backend_dev_count(); ++i) {
        ggml_backend_dev_t dev = ggml_backend_dev_get(i);
        const auto type = ggml_backend_dev_type(dev);
        if (type != GGML_BACKEND_DEVICE_TYPE_CPU && type != GGML_BACKEND_DEVICE_TYPE_ACCEL) {
            out.push_back(dev);
        }
    }
    if (out.empty()) {
        if (ggml_backend_dev_t cpu = ggml_backend_dev_by_type(GGML_BACKEND_DEVICE_TYPE_CPU); cpu != nullptr) {
            out.push_back(cpu);
        }
    }
    return out;
}

}  // namespace

Result<void> serve_rpc_worker(const RpcWorkerOptions& options) {
    if (auto valid = validate_rpc_endpoint(options.endpoint); !valid) {
        return valid;
    }
    auto devices = worker_devices(options.devices);
    if (!devices) {
        return devices.error();
    }
    ggml_backend_reg_t reg = ggml_backend_reg_by_name("RPC");
    using StartFn = decltype(ggml_backend_rpc_start_server)*;
    auto* start =
        reg != nullptr
            ? reinterpret_cast<StartFn>(ggml_backend_reg_get_proc_address(reg, "ggml_backend_rpc_start_server"))
            : nullptr;
    if (start == nullptr) {
        return make_error(ErrorCode::UNSUPPORTED, "this build of the engines has no RPC backend (GGML_RPC)");
    }
    const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    const auto threads = static_cast<size_t>(options.threads > 0 ? options.threads : std::max(1, cores / 2));
    // Serves clients one after another for as long as the process lives; returns only if it cannot listen.
    start(options.endpoint.c_str(), options.cache_dir.empty() ? nullptr : options.cache_dir.c_str(), threads,
          devices->size(), devices->data());
    return make_error(ErrorCode::INTERNAL, "cannot listen on " + options.endpoint + " (address in use?)");
}

}  // namespace hearth::engine
