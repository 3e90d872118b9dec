// libcurl's handles, owned once (every program and test that speaks HTTP through curl uses these).
#pragma once

#include <curl/curl.h>

#include "util/c_handle.hpp"

namespace cpe::net {

using CurlEasy = CHandle<CURL, curl_easy_cleanup>;
using CurlMulti = CHandle<CURLM, curl_multi_cleanup>;
using CurlSlist = CHandle<curl_slist, curl_slist_free_all>;

// Appends `line` to the list held by `list` (the head stays the same once the list exists). False when curl
// could not allocate.
inline bool append(CurlSlist& list, const char* line) {
    curl_slist* l = curl_slist_append(list.get(), line);
    if (l == nullptr) return false;
    (void)list.release();
    list.reset(l);
    return true;
}

}  // namespace cpe::net
