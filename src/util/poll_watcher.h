#pragma once
// A thread that asks `check` every `period` until destroyed and calls `fire` (once) when it answers true:
// the bridge from a condition nobody signals (a client gone, a flag set elsewhere) to a stop flag that an
// engine polls. Destruction ends it at once (a wait on a condition, not a sleep).
// Thread contract: check and fire run on the watcher's thread; they must outlive the watcher.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace hearth {

class PollWatcher {
public:
    PollWatcher(std::chrono::milliseconds period, std::function<bool()> check, std::function<void()> fire)
        : thread_([this, period, check = std::move(check), fire = std::move(fire)] {
              std::unique_lock lock(mutex_);
              while (!done_) {
                  if (check()) {
                      fire();
                      return;
                  }
                  wake_.wait_for(lock, period);
              }
          }) {}
    ~PollWatcher() {
        {
            std::lock_guard lock(mutex_);
            done_ = true;
        }
        wake_.notify_all();
        thread_.join();
    }
    PollWatcher(const PollWatcher&) = delete;
    PollWatcher& operator=(const PollWatcher&) = delete;

private:
    std::mutex mutex_;
    std::condition_variable wake_;
    bool done_ = false;   // guarded by mutex_
    std::thread thread_;  // last: started once the members above exist
};

}  // namespace hearth
