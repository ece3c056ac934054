#pragma once
// hearth's own transport types: handlers see these, never Boost.Beast. Plain data, no OpenAI knowledge.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hearth::http {

struct Header {
    std::string name;
    std::string value;
};

struct HttpRequest {
    std::string method;  // upper case, as sent: "GET", "POST", ...
    std::string target;  // path and query as sent
    std::string path;    // target before '?', not percent-decoded
    std::string query;   // target after '?'
    std::vector<Header> headers;
    std::string body;
    std::string remote_address;
    // Set by HttpServer: answers whether the client has closed its connection while the handler runs. Empty
    // in requests built elsewhere (tests), which never see their client go.
    std::function<bool()> client_gone_probe;

    // Case-insensitive header lookup; the first value when repeated.
    std::optional<std::string> header(std::string_view name) const;
    // True once the client is gone; cheap, for checking between steps of long work (then stop it: nobody
    // will read the answer).
    bool client_gone() const { return client_gone_probe && client_gone_probe(); }
};

// The writing end of a streamed response body (server-sent events). Used from the one handler thread that
// produces the stream.
class StreamWriter {
public:
    virtual ~StreamWriter() = default;
    // Sends one piece of the body and blocks until it is on the wire. False once the client is gone or the
    // write timed out: the producer should stop.
    virtual bool write(std::string_view data) = 0;
    // True once the client closed the connection; cheap, for checking between steps of long work.
    virtual bool disconnected() const = 0;
};

// Produces a streamed body after the headers are sent; runs on the handler thread, MUST NOT throw.
using StreamProducer = std::function<void(StreamWriter&)>;

struct HttpResponse {
    int status = 200;
    std::string content_type = "application/json";
    std::vector<Header> headers;
    std::string body;
    StreamProducer stream;  // when set, the body comes from it (chunked) and `body` is ignored
};

// Handles one request. Runs on a handler-pool thread, never on an I/O thread; MUST NOT throw.
using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;
// Builds the response for errors the transport detects itself (malformed request, body over the limit),
// so that their body has the same shape as every other error. MUST NOT throw.
// `target`: the request target when its header was read (a body over the limit), else empty.
using HttpErrorFormatter = std::function<HttpResponse(int status, const std::string& message, std::string_view target)>;

bool iequals(std::string_view a, std::string_view b);

}  // namespace hearth::http
