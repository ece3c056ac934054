#include "sched/speech_pool.h"

#include <algorithm>
#include <chrono>
#include <thread>

namespace hearth::sched {

namespace {

SpeechPoolConfig at_least_one(SpeechPoolConfig config) {
    config.sessions = std::max<size_t>(config.sessions, 1);
    return config;
}

}  // namespace

SpeechPool::SpeechPool(engine::SpeechEngine& engine, SpeechPoolConfig config)
    : engine_(engine), config_(at_least_one(config)) {}

SpeechPool::~SpeechPool() {
    stop();
}

Result<std::unique_ptr<engine::SpeechSession>> SpeechPool::checkout(const std::atomic<bool>* stop) {
    std::unique_lock lock(mutex_);
    if (stopping_) {
        return make_error(ErrorCode::MODEL_NOT_READY, "the model is unloading");
    }
    if (busy_ >= config_.sessions && waiting_ >= config_.max_waiting) {
        return make_error(ErrorCode::OVERLOADED, "too many transcriptions are waiting for this model; retry later");
    }
    ++waiting_;
    // Polls the caller's stop flag: a client that leaves while waiting costs nothing.
    while (!stopping_ && busy_ >= config_.sessions && !(stop != nullptr && stop->load())) {
        changed_.wait_for(lock, std::chrono::milliseconds(100));
    }
    --waiting_;
    if (stopping_) {
        return make_error(ErrorCode::MODEL_NOT_READY, "the model is unloading");
    }
    if (stop != nullptr && stop->load()) {
        ++totals_.cancelled;
        return make_error(ErrorCode::CANCELLED, "cancelled while waiting");
    }
    ++busy_;
    ++made_;
    lock.unlock();
    auto session = engine_.make_session();  // allocates: outside the lock
    if (!session) {
        checkin();
    }
    return session;
}

void SpeechPool::checkin() {
    std::lock_guard lock(mutex_);
    --busy_;
    changed_.notify_all();
}

Result<core::Transcript> SpeechPool::run(const std::vector<float>& samples, const core::TranscriptionOptions& options,
                                         const std::atomic<bool>* stop) {
    auto session = checkout(stop);
    if (!session) {
        return session.error();
    }
    core::TranscriptionOptions shared = options;
    if (config_.threads > 0) {
        std::lock_guard lock(mutex_);
        shared.n_threads = std::max<int32_t>(1, config_.threads / static_cast<int32_t>(std::max<size_t>(busy_, 1)));
    }
    // Either flag ends the run: the request's (client gone) or the pool's (unload).
    std::atomic<bool> stopped{false};
    std::atomic<bool> done{false};
    std::thread watcher([&] {
        while (!done.load()) {
            if ((stop != nullptr && stop->load()) || cancel_all_.load()) {
                stopped.store(true);
                return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    });
    auto transcript = (*session)->transcribe(samples, shared, &stopped);
    done.store(true);
    watcher.join();
    session->reset();  // the state's memory goes before the next request may take its place
    checkin();
    std::lock_guard lock(mutex_);
    if (transcript) {
        ++totals_.completed;
    } else if (transcript.error().code == ErrorCode::CANCELLED) {
        ++totals_.cancelled;
    } else {
        ++totals_.failed;
    }
    return transcript;
}

SpeechStats SpeechPool::stats() const {
    std::lock_guard lock(mutex_);
    SpeechStats out = totals_;
    out.sessions = made_;
    out.busy = busy_;
    out.waiting = waiting_;
    return out;
}

void SpeechPool::stop() {
    std::unique_lock lock(mutex_);
    stopping_ = true;
    cancel_all_.store(true);
    changed_.notify_all();
    changed_.wait(lock, [this] { return busy_ == 0 && waiting_ == 0; });
}

}  // namespace hearth::sched
