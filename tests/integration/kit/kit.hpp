// The integration kit in one include: processes, files, bounded waits, sockets, HTTP, JSON
// (tests/integration/kit).
#pragma once

#include "kit/files.hpp"
#include "kit/http.hpp"
#include "kit/json.hpp"
#include "kit/net.hpp"
#include "kit/process.hpp"
#include "kit/sim_process.hpp"
#include "kit/wait.hpp"
