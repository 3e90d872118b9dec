#include "cli.hpp"

int main(int argc, char** argv) {
    return cpe::agent::run_cli(argc, argv);
}
