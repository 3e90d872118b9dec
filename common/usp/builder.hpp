// Encoding side, internal to cpe_usp: protobuf-c wants a tree of C structs with char* strings and
// pointer arrays. Arena keeps every node, array and copied string alive until the tree is packed,
// so nothing is freed by hand; strings owned by the caller's values are pointed to, not copied.
#pragma once

#include <protobuf-c/protobuf-c.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "usp/types.hpp"

namespace cpe::usp::detail {

class Arena {
  public:
    template <typename T>
    T* make(void (*init)(T*)) {
        auto node = std::make_shared<T>();
        init(node.get());
        keep_.push_back(node);
        return node.get();
    }

    template <typename T>
    T** array(size_t n) {
        if (n == 0) return nullptr;
        auto slots = std::make_shared<std::vector<T*>>(n, nullptr);
        keep_.push_back(slots);
        return slots->data();
    }

    // protobuf-c never writes through these while packing; the const_cast only satisfies its char*.
    char* str(const std::string& s) { return const_cast<char*>(s.c_str()); }
    char* copy(std::string_view s) {
        auto owned = std::make_shared<std::string>(s);
        keep_.push_back(owned);
        return owned->data();
    }

    char** strs(const std::vector<std::string>& v, size_t& n) {
        n = v.size();
        char** out = array<char>(n);
        for (size_t i = 0; i < n; ++i) out[i] = str(v[i]);
        return out;
    }

    // map<string,string> fields are repeated Entry messages with key/value.
    template <typename Entry>
    Entry** map(const StrMap& m, void (*init)(Entry*), size_t& n) {
        n = m.size();
        Entry** out = array<Entry>(n);
        size_t i = 0;
        for (const auto& [key, value] : m) {
            Entry* e = make(init);
            e->key = str(key);
            e->value = str(value);
            out[i++] = e;
        }
        return out;
    }

    // A repeated message field from a vector of values, each converted by fill(Arena&, const V&).
    template <typename T, typename V, typename Fill>
    T** each(const std::vector<V>& values, size_t& n, Fill&& fill) {
        n = values.size();
        T** out = array<T>(n);
        for (size_t i = 0; i < n; ++i) out[i] = fill(*this, values[i]);
        return out;
    }

  private:
    std::vector<std::shared_ptr<void>> keep_;
};

std::vector<uint8_t> pack(const ProtobufCMessage* message);

// Stores an int into a protobuf-c enum field without a C++ enum conversion (values the schema does
// not name are legal on the wire and must survive a round trip).
template <typename E, typename V>
void set_enum(E& field, V value) {
    static_assert(sizeof(E) == sizeof(int), "protobuf-c enums are int sized");
    int raw = static_cast<int>(value);
    std::memcpy(&field, &raw, sizeof raw);
}

// ---- decoding side helpers ------------------------------------------------------------------

// protobuf-c stores whatever int32 the wire carried in its C enum fields (proto3 enums are open);
// loading such a value as the enum type in C++ is undefined, so read the bits as an int.
template <typename E>
int enum_value(const E& field) {
    static_assert(sizeof(E) == sizeof(int), "protobuf-c enums are int sized");
    int out = 0;
    std::memcpy(&out, &field, sizeof out);
    return out;
}

inline std::string text(const char* s) {
    return s != nullptr ? std::string(s) : std::string();
}

inline std::vector<std::string> texts(char* const* v, size_t n) {
    std::vector<std::string> out;
    out.reserve(n);
    for (size_t i = 0; i < n; ++i) out.push_back(text(v[i]));
    return out;
}

// Duplicate keys: the last one wins, as protobuf map semantics say.
template <typename Entry>
StrMap to_map(Entry* const* entries, size_t n) {
    StrMap out;
    for (size_t i = 0; i < n; ++i) {
        if (entries[i] != nullptr) out[text(entries[i]->key)] = text(entries[i]->value);
    }
    return out;
}

}  // namespace cpe::usp::detail
