#pragma once
// ggml RPC, llama.cpp's distributed backend: the client side (a model's layers on devices that
// `hearth rpc-worker` processes serve over TCP) and the worker side (serving this host's devices).
//
// ggml's RPC client ends the process (GGML_ABORT) when it cannot connect or the handshake fails, so every
// endpoint is checked here first (connect with a timeout, then the protocol's HELLO) before ggml sees it.
// A worker that dies while a model uses it still ends the process inside ggml: see docs/scale-out.md.
// Thread-safe.

#include <ggml-backend.h>

#include <memory>
#include <string>
#include <vector>

#include "util/result.h"

namespace hearth::engine {

// "host:port" with a port in 1..65535 (IPv6 hosts in brackets). INVALID_ARGUMENT saying what is wrong.
Result<void> validate_rpc_endpoint(const std::string& endpoint);

// Connects to the worker at `endpoint` and performs the RPC HELLO (protocol version check), within
// `timeout_ms`. UPSTREAM: nothing answers, or not an RPC worker of a compatible version.
Result<void> probe_rpc_endpoint(const std::string& endpoint, int timeout_ms = 3000);

// The devices of a model's workers, and its hold on their endpoints: an endpoint some loaded model holds has a
// live connection (a worker serves one client at a time, so a second HELLO would wait), one nobody holds is
// probed before ggml connects. Release the hold after the model is freed.
struct RpcAttachment {
    std::vector<ggml_backend_dev_t> devices;
    std::shared_ptr<void> hold;
};

// The devices the workers at `endpoints` serve, in order, registered with ggml once per endpoint (ggml then
// lists them as RPC0, RPC1, ...). Errors: INVALID_ARGUMENT (a malformed endpoint), UPSTREAM (a worker that
// does not answer or speaks another protocol version), UNSUPPORTED (a build without RPC).
Result<RpcAttachment> attach_rpc_devices(const std::vector<std::string>& endpoints);

// Whether `device` is one a remote worker serves.
bool is_rpc_device(ggml_backend_dev_t device);

struct RpcWorkerOptions {
    std::string endpoint = "127.0.0.1:50052";
    std::vector<std::string> devices;  // ggml device names; empty: the GPUs, else the CPU (as rpc-server)
    int threads = 0;                   // the CPU device's threads; 0: half the cores
    std::string cache_dir;             // tensors cached by hash; empty: no cache
};

// Serves this host's devices until the process ends (llama.cpp's rpc-server logic). Returns only on failure.
Result<void> serve_rpc_worker(const RpcWorkerOptions& options);

}  // namespace hearth::engine
