#pragma once
// Transfers from a model hub (libcurl, TLS from Debian's libcurl): small GETs of its JSON API and resumable
// downloads of large files into an open file. Redirects are followed here, hop by hop, rather than by libcurl,
// so that the bearer token goes to the hub's own origin only and never to the CDN the hub redirects to.
// Every status comes back to the caller (which knows what a 401 or 404 means for a hub); only transport
// failures are errors. Thread-safe: each call uses its own handle.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "util/result.h"

namespace hearth::http {

struct HubTransferOptions {
    std::string token;         // sent as "Authorization: Bearer <token>" to token_origin only; never logged
    std::string token_origin;  // "scheme://host[:port]" of the hub
    std::chrono::seconds connect_timeout{30};
    std::chrono::seconds stall_timeout{60};  // no byte for this long: the transfer fails
    int max_redirects = 10;
    const std::atomic<bool>* stop = nullptr;  // set: the transfer ends with CANCELLED
};

struct HubReply {
    long status = 0;                             // the last response's (after the redirects)
    std::map<std::string, std::string> headers;  // of the last response; names in lower case
    std::string body;                            // the body of a GET; a failed download's first few KiB
};

// "scheme://host[:port]" of a URL, lower-cased; empty when it has no scheme.
std::string url_origin(const std::string& url);

// GETs `url`; bodies over max_body bytes fail (UPSTREAM). Errors: UPSTREAM (connection, TLS, too many
// redirects), TIMEOUT (a stall), CANCELLED.
Result<HubReply> hub_get(const std::string& url, const HubTransferOptions& options, size_t max_body);

// Called with the bytes written so far (offset included) and the file's total (-1 when unknown).
using TransferProgress = std::function<void(int64_t written, int64_t total)>;

struct DownloadOutcome {
    HubReply reply;          // a status other than 200/206 leaves the file as it was
    int64_t end = 0;         // the file's length after the transfer
    bool restarted = false;  // a Range request answered with the whole file: written from 0
};

// Downloads `url` into the open file `fd`, from byte `offset` on (a Range request when offset > 0; a server
// that answers 200 instead gets the file truncated and written from 0). Errors: UPSTREAM (transport: a cut
// connection says "cut"), TIMEOUT (a stall), OUT_OF_MEMORY when the disk is full, INTERNAL for another write
// error, CANCELLED.
// The bytes written before an error stay in the file, so that the caller can resume.
Result<DownloadOutcome> hub_download(const std::string& url, int fd, int64_t offset, const HubTransferOptions& options,
                                     const TransferProgress& progress);

}  // namespace hearth::http
