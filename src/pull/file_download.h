#pragma once
// One file of a pull: locked, resumed, verified, renamed (see puller.h). Used by puller.cpp only.
// Thread-safe: concurrent calls for the same target take turns on the .part file's flock.

#include <string>

#include "http/hub_transfer.h"
#include "pull/puller.h"

namespace hearth::pull {

struct FileJob {
    std::string url;     // the hub's resolve URL
    std::string target;  // the final path
    std::string name;    // the path in the repo, for events and messages
    int64_t size = 0;
    std::string sha256;
};

// The file at job.target with the right SHA-256: already there (verified), or downloaded into
// "<target>.part" and renamed. A mismatch deletes the .part (UPSTREAM); a 4xx from the hub maps as the
// repo's answers do (caller's `hub_error`).
Result<void> download_verified(const FileJob& job, const http::HubTransferOptions& transfer, int attempts,
                               const PullListener& listener,
                               const std::function<Error(const http::HubReply&, const std::string&)>& hub_error);

}  // namespace hearth::pull
