#pragma once

namespace cpe::agent {

// The cpe-agent command line. Exit codes: 0 ok, 1 a request failed (unknown path…),
// 2 usage or configuration error (bad flag, bad profile), 3 --strict and a collector failed.
int run_cli(int argc, char** argv);

}  // namespace cpe::agent
