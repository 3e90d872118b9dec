// Every C library handle is owned once, by a unique_ptr whose deleter is the library's own free function:
//     using CurlEasy = cpe::CHandle<CURL, curl_easy_cleanup>;
// and a C struct the library initialises and frees in place (mbedTLS contexts) by CStruct.
#pragma once

#include <memory>

namespace cpe {

template <auto Free>
struct FreeWith {
    template <typename T>
    void operator()(T* handle) const noexcept {
        if (handle != nullptr) Free(handle);
    }
};

template <typename T, auto Free>
using CHandle = std::unique_ptr<T, FreeWith<Free>>;

// A C struct initialised by `Init(&v)` on construction and released by `Free(&v)` on destruction; neither
// copied nor moved (the library may hold pointers into it).
template <typename T, auto Init, auto Free>
struct CStruct {
    T v;
    CStruct() { Init(&v); }
    ~CStruct() { Free(&v); }
    CStruct(const CStruct&) = delete;
    CStruct& operator=(const CStruct&) = delete;
    T* get() { return &v; }
};

}  // namespace cpe
