#pragma once
// A model that runs in a process of its own (option `isolate`): a crash there (an engine abort, an assertion
// reached by a malformed file or input, an RPC worker that died, which ggml answers by ending the process) ends
// that process, never the server. The registry
// keeps its state, leases and memory like any model's; the server starts the process (IsolatedLauncher) and
// forwards the model's requests to it. Thread-safe.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/model_spec.h"
#include "registry/model_catalog.h"
#include "util/result.h"

namespace hearth::registry {

class IsolatedModel {
public:
    virtual ~IsolatedModel() = default;
    // Where its server listens (127.0.0.1) and the bearer token it wants.
    virtual uint16_t port() const = 0;
    virtual const std::string& token() const = 0;
    // False once its process ended; failure() then says how (exit status or signal, its last log lines).
    virtual bool alive() const = 0;
    virtual std::string failure() const = 0;
    // Layers per device as its engine placed them (engine::LlamaTextEngine::layer_placement).
    virtual std::vector<std::pair<std::string, int>> layer_placement() const = 0;
    // A text-to-speech model's voices, the default first (empty for other kinds).
    virtual std::vector<std::string> voices() const = 0;
    // Ends the process: SIGTERM (requests in flight finish, up to its shutdown timeout), then SIGKILL. Idempotent.
    virtual void stop() = 0;
};

// How far a load in the process is, 0..1, as it reports it.
using LoadProgress = std::function<void(float progress)>;

// Starts the process for `entry` loaded with `options` (the model's resolved options, all set) and returns once
// the model is ready there. Errors: the model's own load error, or why the process did not come up.
using IsolatedLauncher = std::function<Result<std::shared_ptr<IsolatedModel>>(
    const CatalogEntry& entry, const core::LoadOptions& options, const LoadProgress& progress)>;

// Whether a model with these options runs isolated: every model from a file can (text with or without a
// projector, embedding, rerank, speech-to-text, text-to-speech; the built-in voices are no file); its `isolate`
// option decides, else the server's default (`hearth serve --isolate`), else RPC workers do.
inline bool runs_isolated(const CatalogEntry& entry, const core::LoadOptions& options, bool server_default) {
    return entry.info.format != "builtin" && options.isolate.value_or(server_default || !options.rpc.empty());
}

}  // namespace hearth::registry
