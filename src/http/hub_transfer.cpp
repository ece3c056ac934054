#include "http/hub_transfer.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <curl/curl.h>
#include <memory>
#include <unistd.h>
#include <vector>

#include "util/ascii.h"

namespace hearth::http {

namespace {

struct CurlEasyDeleter {
    void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
using CurlEasyPtr = std::unique_ptr<CURL, CurlEasyDeleter>;
struct CurlListDeleter {
    void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using CurlListPtr = std::unique_ptr<curl_slist, CurlListDeleter>;

constexpr size_t ERROR_BODY_LIMIT = 4096;

bool is_redirect(long status) {
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

// One hop's state, shared with libcurl's callbacks.
struct Hop {
    const HubTransferOptions* options = nullptr;
    HubReply reply;
    size_t max_body = 0;
    bool body_too_large = false;
    // Downloads: the file and where the next byte goes.
    int fd = -1;
    int64_t offset = 0;
    int64_t written = 0;  // the file's length so far
    int64_t total = -1;
    bool restarted = false;
    int write_errno = 0;
    const TransferProgress* progress = nullptr;
    CURL* curl = nullptr;  // the hop's handle, for the callbacks
    // Stall detection: libcurl's low-speed check averages over several seconds, so a burst then silence
    // would go unnoticed for longer than the stall timeout.
    curl_off_t last_bytes = -1;
    std::chrono::steady_clock::time_point last_change = std::chrono::steady_clock::now();
    bool stalled = false;
};

size_t on_header(char* data, size_t size, size_t count, void* user) {
    auto* hop = static_cast<Hop*>(user);
    const std::string line(data, size * count);
    if (line.rfind("HTTP/", 0) == 0) {
        hop->reply.headers.clear();  // a new response (a 100 Continue came first, say)
    } else if (const size_t colon = line.find(':'); colon != std::string::npos) {
        std::string value = line.substr(colon + 1);
        const size_t start = value.find_first_not_of(" \t");
        const size_t end = value.find_last_not_of(" \t\r\n");
        value = start == std::string::npos ? "" : value.substr(start, end - start + 1);
        hop->reply.headers[ascii_lower(line.substr(0, colon))] = value;
    }
    return size * count;
}

// A download's body: once the status says it is the file, into the file; else kept as an error body.
bool write_file_bytes(Hop& hop, CURL* curl, const char* data, size_t n) {
    if (hop.total < 0) {
        long status = 0;
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
        if (status == 200 && hop.offset > 0) {
            // The server ignored the Range: the whole file comes, from byte 0.
            if (ftruncate(hop.fd, 0) != 0) {
                hop.write_errno = errno;
                return false;
            }
            hop.written = 0;
            hop.restarted = true;
        }
        curl_off_t length = -1;
        curl_easy_getinfo(curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
        hop.total = length >= 0 ? hop.written + length : -2;
    }
    while (n > 0) {
        const ssize_t done = pwrite(hop.fd, data, n, hop.written);
        if (done < 0 && errno == EINTR) {
            continue;
        }
        if (done <= 0) {
            hop.write_errno = done < 0 ? errno : ENOSPC;
            return false;
        }
        hop.written += done;
        data += done;
        n -= static_cast<size_t>(done);
    }
    return true;
}

size_t on_body(char* data, size_t size, size_t count, void* user) {
    auto* hop = static_cast<Hop*>(user);
    const size_t n = size * count;
    long status = 0;
    curl_easy_getinfo(hop->curl, CURLINFO_RESPONSE_CODE, &status);
    if (hop->fd >= 0 && (status == 200 || status == 206)) {
        return write_file_bytes(*hop, hop->curl, data, n) ? n : 0;
    }
    const size_t limit = hop->fd >= 0 || is_redirect(status) ? ERROR_BODY_LIMIT : hop->max_body;
    if (hop->reply.body.size() + n > limit) {
        if (hop->fd >= 0 || is_redirect(status)) {
            return n;  // enough of an error page
        }
        hop->body_too_large = true;
        return 0;
    }
    hop->reply.body.append(data, n);
    return n;
}

int on_progress(void* user, curl_off_t /*dltotal*/, curl_off_t dlnow, curl_off_t /*ultotal*/, curl_off_t /*ulnow*/) {
    auto* hop = static_cast<Hop*>(user);
    if (hop->options->stop != nullptr && hop->options->stop->load()) {
        return 1;
    }
    const auto now = std::chrono::steady_clock::now();
    if (dlnow != hop->last_bytes) {
        hop->last_bytes = dlnow;
        hop->last_change = now;
    } else if (now - hop->last_change >= hop->options->stall_timeout) {
        hop->stalled = true;
        return 1;
    }
    if (hop->progress != nullptr && *hop->progress && hop->total >= 0) {
        (*hop->progress)(hop->written, hop->total);
    }
    return 0;
}

void configure(CURL* curl, const std::string& url, Hop& hop, curl_slist* headers, char* error_buffer) {
    const HubTransferOptions& options = *hop.options;
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);  // followed by hand: see the header
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "hearth");
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, static_cast<long>(options.connect_timeout.count()));
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &hop);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &hop);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, &on_progress);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &hop);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
    curl_easy_setopt(curl, CURLOPT_PROXY, "");  // the hub's origin, not a proxy's, decides where the token goes
}

Error transport_error(CURLcode code, const Hop& hop, const std::string& url, const char* detail) {
    if (hop.stalled || code == CURLE_OPERATION_TIMEDOUT) {
        return make_error(ErrorCode::TIMEOUT, "the transfer from " + url_origin(url) + " stalled (no data for " +
                                                  std::to_string(hop.options->stall_timeout.count()) + " s)");
    }
    if (code == CURLE_ABORTED_BY_CALLBACK) {
        return make_error(ErrorCode::CANCELLED, "cancelled");
    }
    if (hop.write_errno != 0) {
        const std::string what = std::strerror(hop.write_errno);
        return make_error(
            hop.write_errno == ENOSPC || hop.write_errno == EDQUOT ? ErrorCode::OUT_OF_MEMORY : ErrorCode::INTERNAL,
            "writing the download failed: " + what + (hop.write_errno == ENOSPC ? " (disk full)" : ""));
    }
    if (hop.body_too_large) {
        return make_error(ErrorCode::UPSTREAM, url_origin(url) + " sent an answer too large to be the hub's");
    }
    if (code == CURLE_PARTIAL_FILE || code == CURLE_RECV_ERROR || code == CURLE_GOT_NOTHING) {
        return make_error(ErrorCode::UPSTREAM, "the connection to " + url_origin(url) + " was cut: " +
                                                   (detail[0] != '\0' ? detail : curl_easy_strerror(code)));
    }
    return make_error(ErrorCode::UPSTREAM, "cannot reach " + url_origin(url) + ": " +
                                               (detail[0] != '\0' ? detail : curl_easy_strerror(code)));
}

// Runs `url` and its redirects; `hop` holds the last response.
Result<void> run_hops(std::string url, Hop& hop) {
    static const CURLcode GLOBAL_INIT = curl_global_init(CURL_GLOBAL_DEFAULT);
    const HubTransferOptions& options = *hop.options;
    for (int redirects = 0;; ++redirects) {
        CurlEasyPtr curl(GLOBAL_INIT == CURLE_OK ? curl_easy_init() : nullptr);
        if (!curl) {
            return make_error(ErrorCode::INTERNAL, "cannot initialize libcurl");
        }
        CurlListPtr headers;
        const auto add = [&](const std::string& line) {
            headers.reset(curl_slist_append(headers.release(), line.c_str()));
        };
        add("Accept: */*");
        if (!options.token.empty() && url_origin(url) == ascii_lower(options.token_origin)) {
            add("Authorization: Bearer " + options.token);
        }
        if (hop.fd >= 0 && hop.written > 0) {
            add("Range: bytes=" + std::to_string(hop.written) + "-");
        }
        hop.reply = HubReply{};
        hop.last_bytes = -1;
        hop.last_change = std::chrono::steady_clock::now();
        hop.offset = hop.written;
        hop.total = -1;
        hop.curl = curl.get();
        std::array<char, CURL_ERROR_SIZE> error_buffer{};
        configure(curl.get(), url, hop, headers.get(), error_buffer.data());
        const CURLcode code = curl_easy_perform(curl.get());
        curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &hop.reply.status);
        if (code != CURLE_OK) {
            return transport_error(code, hop, url, error_buffer.data());
        }
        const auto location = hop.reply.headers.find("location");
        if (!is_redirect(hop.reply.status) || location == hop.reply.headers.end()) {
            return {};
        }
        if (redirects == options.max_redirects) {
            return make_error(ErrorCode::UPSTREAM, "more than " + std::to_string(options.max_redirects) +
                                                       " redirects from " + url_origin(url));
        }
        char* next = nullptr;  // absolute, resolved against `url` by libcurl
        curl_easy_getinfo(curl.get(), CURLINFO_REDIRECT_URL, &next);
        if (next == nullptr) {
            return make_error(ErrorCode::UPSTREAM, url_origin(url) + " redirected to an unusable location");
        }
        url = next;
    }
}

}  // namespace

std::string url_origin(const std::string& url) {
    const size_t scheme = url.find("://");
    if (scheme == std::string::npos) {
        return {};
    }
    const size_t end = url.find_first_of("/?#", scheme + 3);
    return ascii_lower(url.substr(0, end));
}

Result<HubReply> hub_get(const std::string& url, const HubTransferOptions& options, size_t max_body) {
    Hop hop;
    hop.options = &options;
    hop.max_body = max_body;
    if (auto ran = run_hops(url, hop); !ran) {
        return ran.error();
    }
    return std::move(hop.reply);
}

Result<DownloadOutcome> hub_download(const std::string& url, int fd, int64_t offset, const HubTransferOptions& options,
                                     const TransferProgress& progress) {
    Hop hop;
    hop.options = &options;
    hop.fd = fd;
    hop.written = offset;
    hop.progress = &progress;
    if (auto ran = run_hops(url, hop); !ran) {
        return ran.error();
    }
    DownloadOutcome out;
    out.end = hop.written;
    out.restarted = hop.restarted;
    out.reply = std::move(hop.reply);
    return out;
}

}  // namespace hearth::http
