#pragma once
// Where the server is in its life, for /health and the gateway: a proxy or orchestrator sends traffic only to
// a SERVING replica. STARTING: listening, the --load models still loading. DRAINING: a stop signal came; the
// requests in flight finish, new ones are refused with 503 (a proxy retries them on another replica).

#include <atomic>

namespace hearth::server {

enum class ServerPhase { STARTING, SERVING, DRAINING };

// Shared by App (writes) and the handlers (read): any thread.
using PhaseFlag = std::atomic<ServerPhase>;

}  // namespace hearth::server
