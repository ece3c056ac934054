#pragma once
// Result<T>: a value or an Error. Expected failures travel as values across module boundaries; exceptions
// stay inside a module. Shaped like std::expected so that switching to it later (C++23) is one line.

#include <cassert>
#include <string>
#include <utility>
#include <variant>

#include "util/error_code.h"

namespace hearth {

struct Error {
    ErrorCode code = ErrorCode::INTERNAL;
    std::string message;
    std::string param;  // the OpenAI request field at fault, when there is one
};

inline Error make_error(ErrorCode code, std::string message, std::string param = {}) {
    return Error{code, std::move(message), std::move(param)};
}

template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : data_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
    Result(Error error) : data_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

    bool has_value() const { return data_.index() == 0; }
    explicit operator bool() const { return has_value(); }

    T& value() & {
        assert(has_value() && "Result::value() on an error");
        return std::get<0>(data_);
    }
    const T& value() const& {
        assert(has_value() && "Result::value() on an error");
        return std::get<0>(data_);
    }
    T&& value() && {
        assert(has_value() && "Result::value() on an error");
        return std::get<0>(std::move(data_));
    }
    const Error& error() const {
        assert(!has_value() && "Result::error() on a value");
        return std::get<1>(data_);
    }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

private:
    std::variant<T, Error> data_;
};

// Result<void>: success or an Error.
template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT(google-explicit-constructor)

    bool has_value() const { return ok_; }
    explicit operator bool() const { return ok_; }
    const Error& error() const {
        assert(!ok_ && "Result::error() on success");
        return error_;
    }

private:
    Error error_;
    bool ok_ = true;
};

}  // namespace hearth
