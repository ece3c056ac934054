#pragma once
// The client side of server-sent events: a streamed body arrives in pieces cut anywhere, and events end at a
// blank line (LF LF or CRLF CRLF). Hands over each event's data (its "data:" field, one leading space
// dropped, line ends trimmed); events without data (comments, keep-alives) are skipped.
// Thread contract: one reader per stream, used by the thread reading that stream.

#include <functional>
#include <string>
#include <string_view>

namespace hearth::http {

class SseReader {
public:
    // Returns false to stop reading.
    using DataHandler = std::function<bool(std::string_view data)>;

    // Appends a piece of the body and hands over every event it completes, in order; false as soon as the
    // handler returns false (the events after it stay unread).
    bool feed(std::string_view piece, const DataHandler& on_data);
    // Bytes of an event not yet complete.
    size_t pending() const { return pending_.size(); }

private:
    size_t next_event_end() const;
    std::string pending_;
};

}  // namespace hearth::http
