#include "sched/speech_pool.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <future>

#include "util/poll_watcher.h"

namespace hearth::sched {

namespace {

enum class JobState { QUEUED, STARTED, ABANDONED };

SpeechPoolConfig at_least_one(SpeechPoolConfig config) {
    config.sessions = std::max<size_t>(config.sessions, 1);
    config.max_waiting = std::max<size_t>(config.max_waiting, 1);
    return config;
}

}  // namespace

struct SpeechPool::Job {
    const std::vector<float>* samples;  // the caller's; used only once STARTED (the caller then waits)
    core::TranscriptionOptions options;
    const std::atomic<bool>* stop;
    std::atomic<JobState> state{JobState::QUEUED};
    std::promise<Result<core::Transcript>> done;
};

SpeechPool::SpeechPool(engine::SpeechEngine& engine, SpeechPoolConfig config)
    : engine_(engine), config_(at_least_one(config)), handed_(config_.sessions) {
    for (size_t i = 0; i < config_.sessions; ++i) {
        idle_.push_back(i);
    }
    for (size_t i = 0; i < config_.sessions; ++i) {
        workers_.emplace_back([this, i] { work(i); });
    }
}

SpeechPool::~SpeechPool() {
    stop();
}

Result<core::Transcript> SpeechPool::run(const std::vector<float>& samples, const core::TranscriptionOptions& options,
                                         const std::atomic<bool>* stop) {
    auto job = std::make_shared<Job>();
    job->samples = &samples;
    job->options = options;
    job->stop = stop;
    auto outcome = job->done.get_future();
    {
        std::lock_guard lock(mutex_);
        if (closed_) {
            return make_error(ErrorCode::MODEL_NOT_READY, "the model is unloading");
        }
        if (!idle_.empty()) {  // the warmest idle worker
            handed_[idle_.back()] = job;
            idle_.pop_back();
        } else if (queue_.size() >= config_.max_waiting) {
            return make_error(ErrorCode::OVERLOADED, "too many transcriptions are waiting for this model; retry later");
        } else {
            queue_.push_back(job);
        }
    }
    wake_.notify_all();
    // While queued, a client that leaves takes its job back; once a worker started it, its stop flag ends it.
    while (outcome.wait_for(std::chrono::milliseconds(20)) != std::future_status::ready) {
        JobState queued = JobState::QUEUED;
        if (stop != nullptr && stop->load() && job->state.compare_exchange_strong(queued, JobState::ABANDONED)) {
            count(make_error(ErrorCode::CANCELLED, ""));
            return make_error(ErrorCode::CANCELLED, "cancelled while waiting");
        }
    }
    return outcome.get();
}

void SpeechPool::work(size_t index) {
    while (true) {
        std::shared_ptr<Job> job;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [&] { return handed_[index] != nullptr || closed_; });
            if (!handed_[index]) {
                return;  // closed, nothing handed
            }
            job = std::move(handed_[index]);
        }
        JobState queued = JobState::QUEUED;
        if (job->state.compare_exchange_strong(queued, JobState::STARTED)) {
            if (stopping_.load()) {
                job->done.set_value(make_error(ErrorCode::MODEL_NOT_READY, "the model is unloading"));
            } else {
                auto outcome = transcribe(*job);
                count(outcome);
                job->done.set_value(std::move(outcome));
            }
        }
        std::lock_guard lock(mutex_);
        if (!queue_.empty()) {  // the oldest waiting job, on this (warm) worker
            handed_[index] = std::move(queue_.front());
            queue_.pop_front();
        } else {
            idle_.push_back(index);
        }
    }
}

Result<core::Transcript> SpeechPool::transcribe(Job& job) {
    core::TranscriptionOptions options = job.options;
    {
        std::lock_guard lock(mutex_);
        ++totals_.busy;
        ++totals_.sessions;
        if (config_.threads > 0) {  // the cores, split between the transcriptions running now
            options.n_threads = std::max<int32_t>(1, config_.threads / static_cast<int32_t>(totals_.busy));
        }
    }
    Result<core::Transcript> outcome = make_error(ErrorCode::INTERNAL, "not run");
    {
        auto session = engine_.make_session();
        if (!session) {
            outcome = session.error();
        } else {
            std::atomic<bool> stopped{false};
            const std::atomic<bool>* request_stop = job.stop;
            PollWatcher watcher(
                std::chrono::milliseconds(20),
                [this, request_stop] { return (request_stop != nullptr && request_stop->load()) || stopping_.load(); },
                [&stopped] { stopped.store(true); });
            outcome = (*session)->transcribe(*job.samples, options, &stopped);
            // Stopped by the unload, not by its client: that client is still there and must hear why.
            const bool client_left = request_stop != nullptr && request_stop->load();
            if (!outcome && outcome.error().code == ErrorCode::CANCELLED && !client_left && stopping_.load()) {
                outcome = make_error(ErrorCode::MODEL_NOT_READY, "the model was unloaded during the transcription");
            }
        }
    }  // the state's memory goes before the next request may take its place
    std::lock_guard lock(mutex_);
    --totals_.busy;
    return outcome;
}

void SpeechPool::count(const Result<core::Transcript>& outcome) {
    std::lock_guard lock(mutex_);
    if (outcome) {
        ++totals_.completed;
    } else if (outcome.error().code == ErrorCode::CANCELLED) {
        ++totals_.cancelled;
    } else {
        ++totals_.failed;
    }
}

SpeechStats SpeechPool::stats() const {
    std::lock_guard lock(mutex_);
    SpeechStats out = totals_;
    out.waiting = queue_.size();
    return out;
}

void SpeechPool::stop() {
    if (stopping_.exchange(true)) {
        return;
    }
    std::deque<std::shared_ptr<Job>> left;
    {
        std::lock_guard lock(mutex_);
        closed_ = true;
        left.swap(queue_);
    }
    wake_.notify_all();
    for (auto& job : left) {
        JobState queued = JobState::QUEUED;
        if (job->state.compare_exchange_strong(queued, JobState::STARTED)) {
            job->done.set_value(make_error(ErrorCode::MODEL_NOT_READY, "the model is unloading"));
        }
    }
    for (auto& worker : workers_) {
        worker.join();  // a running job ends early: its watcher sees stopping_
    }
}

}  // namespace hearth::sched
