#pragma once
// The media-encoding thread of one text model: runs the projector's encoder over a prompt's images while the
// scheduler thread keeps decoding the other streams (llama-server encodes on its one loop and every stream
// waits). Results are kept by the item's id, the most recent few of them, so that n choices of one request and
// a conversation's retries encode an image once.
// Thread contract: request(), result() and wait() from the scheduler thread (any thread is safe); the encodes
// run on this object's own thread, started by the first request(). stop() joins it.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "core/media.h"
#include "engine/text_engine.h"
#include "util/result.h"

namespace hearth::sched {

using MediaRows = std::shared_ptr<const engine::MediaEmbedding>;

class MediaEncoder {
public:
    // Borrows the engine, which must outlive the encoder. keep: finished results held at most.
    MediaEncoder(engine::TextEngine& engine, size_t keep);
    ~MediaEncoder();
    MediaEncoder(const MediaEncoder&) = delete;
    MediaEncoder& operator=(const MediaEncoder&) = delete;

    // Queues the item's encode unless it is queued, running or finished.
    void request(const core::PromptMedia& item);
    // The item's rows or its encoder's error once finished; nullopt while queued or running, or when it was
    // never requested or its result was dropped (request it again).
    std::optional<Result<MediaRows>> result(const std::string& id) const;
    // Waits until an encode finishes or the timeout passes.
    void wait(std::chrono::milliseconds timeout);
    void stop();

private:
    void run();

    engine::TextEngine& engine_;
    const size_t keep_;
    mutable std::mutex mutex_;
    std::condition_variable work_;
    std::condition_variable done_;
    std::deque<core::PromptMedia> queue_;                // guarded by mutex_
    std::string running_;                                // guarded by mutex_: the id being encoded
    std::map<std::string, Result<MediaRows>> finished_;  // guarded by mutex_
    std::deque<std::string> finish_order_;               // guarded by mutex_: oldest first
    uint64_t generation_ = 0;                            // guarded by mutex_: finished encodes, for wait()
    bool stopping_ = false;                              // guarded by mutex_
    std::thread thread_;                                 // started by the first request()
};

}  // namespace hearth::sched
