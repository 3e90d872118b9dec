// A collector reads one data source through a SourceReader and fills its part of BoardData.
// Which collectors run, and on which file or command, is board data: boards/<board>/profile.json,
// "sources": [{"collector": "<type>", …options}]. Each collector file provides a factory
//   Result<std::unique_ptr<Collector>> make_<type>_collector(const cJSON* spec, std::string_view where);
// that validates its options, naming the offending key as "<where>.<key>" (where = "profile.sources[3]").
#pragma once

#include <cJSON.h>

#include <memory>
#include <string_view>

#include "collectors/records.hpp"
#include "collectors/source.hpp"
#include "util/result.hpp"

namespace cpe::agent {

class Collector {
  public:
    virtual ~Collector() = default;
    virtual const char* type() const = 0;  // "leases_dnsmasq", …
    // Fills `out`. On error the collector leaves its part of `out` untouched, and the caller logs the
    // error once (rate-limited) and goes on with the other collectors.
    virtual Status collect(SourceReader& source, BoardData& out) = 0;
};

using CollectorFactory = Result<std::unique_ptr<Collector>> (*)(const cJSON* spec, std::string_view where);

}  // namespace cpe::agent
