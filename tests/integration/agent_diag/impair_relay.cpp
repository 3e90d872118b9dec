// The tests' impairment relay (this kernel has no netem): forwards IP packets between two TUN devices that
// already exist in two network namespaces (made by the test with `ip tuntap add … mode tun`), holding each
// one for a set delay and dropping it with a set probability, from a seeded generator (the same run drops the
// same packets). Per direction: a→b and b→a.
//   diag_impair_relay <ns-a> <tun-a> <ns-b> <tun-b> <delay-ab-ms> <delay-ba-ms> <loss-ab-%> <loss-ba-%>
//   <seed>
// Runs until SIGTERM. At most 4096 packets are held per direction (more are dropped and counted).
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <random>
#include <string>
#include <vector>

namespace {

volatile sig_atomic_t g_stop = 0;

int open_tun_in(const std::string& ns, const std::string& name) {
    const std::string path = "/run/netns/" + ns;
    int nsfd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (nsfd < 0 || setns(nsfd, CLONE_NEWNET) != 0) {
        fprintf(stderr, "impair_relay: cannot enter %s: %s\n", path.c_str(), strerror(errno));
        return -1;
    }
    close(nsfd);
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        fprintf(stderr, "impair_relay: /dev/net/tun: %s\n", strerror(errno));
        return -1;
    }
    ifreq ifr{};
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
    snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name.c_str());
    if (ioctl(fd, TUNSETIFF, &ifr) != 0) {
        fprintf(stderr, "impair_relay: attach %s in %s: %s\n", name.c_str(), ns.c_str(), strerror(errno));
        return -1;
    }
    return fd;
}

using Clock = std::chrono::steady_clock;

struct Held {
    Clock::time_point due;
    std::vector<uint8_t> packet;
};

struct Direction {
    int from = -1, to = -1;
    int delay_ms = 0;
    double loss = 0;
    std::deque<Held> queue;
    unsigned long passed = 0, dropped = 0, overflow = 0;
};

}  // namespace

int main(int argc, char** argv) {
    if (argc != 10) {
        fprintf(stderr,
                "usage: %s ns-a tun-a ns-b tun-b delay-ab-ms delay-ba-ms loss-ab-%% loss-ba-%% seed\n",
                argv[0]);
        return 2;
    }
    signal(SIGTERM, [](int) { g_stop = 1; });
    signal(SIGINT, [](int) { g_stop = 1; });
    const int a = open_tun_in(argv[1], argv[2]);
    const int b = open_tun_in(argv[3], argv[4]);
    if (a < 0 || b < 0) return 1;
    Direction dir[2];
    dir[0].from = a, dir[0].to = b, dir[0].delay_ms = atoi(argv[5]), dir[0].loss = atof(argv[7]) / 100.0;
    dir[1].from = b, dir[1].to = a, dir[1].delay_ms = atoi(argv[6]), dir[1].loss = atof(argv[8]) / 100.0;
    std::mt19937_64 rng(strtoull(argv[9], nullptr, 10));
    std::uniform_real_distribution<double> uniform(0.0, 1.0);
    fprintf(stderr, "impair_relay: %s/%s <-> %s/%s ready\n", argv[1], argv[2], argv[3], argv[4]);
    std::vector<uint8_t> buf(65536);
    while (!g_stop) {
        // Sleep until a packet arrives or the next held one is due (at most 50 ms).
        int wait_ms = 50;
        const auto now = Clock::now();
        for (Direction& d : dir)
            if (!d.queue.empty()) {
                const auto ms =
                    std::chrono::duration_cast<std::chrono::milliseconds>(d.queue.front().due - now).count();
                wait_ms = std::max(0, std::min<int>(wait_ms, static_cast<int>(ms)));
            }
        pollfd p[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
        poll(p, 2, wait_ms);
        for (int i = 0; i < 2; ++i) {
            if (!(p[i].revents & POLLIN)) continue;
            Direction& d = dir[i];
            for (int n = 0; n < 64; ++n) {
                const ssize_t len = read(d.from, buf.data(), buf.size());
                if (len <= 0) break;
                if (d.loss > 0 && uniform(rng) < d.loss) {
                    ++d.dropped;
                    continue;
                }
                if (d.queue.size() >= 4096) {
                    ++d.overflow;
                    continue;
                }
                d.queue.push_back({Clock::now() + std::chrono::milliseconds(d.delay_ms),
                                   std::vector<uint8_t>(buf.begin(), buf.begin() + len)});
            }
        }
        const auto t = Clock::now();
        for (Direction& d : dir)
            while (!d.queue.empty() && d.queue.front().due <= t) {
                if (write(d.to, d.queue.front().packet.data(), d.queue.front().packet.size()) >= 0)
                    ++d.passed;
                d.queue.pop_front();
            }
    }
    fprintf(
        stderr,
        "impair_relay: a->b passed %lu dropped %lu overflow %lu; b->a passed %lu dropped %lu overflow %lu\n",
        dir[0].passed, dir[0].dropped, dir[0].overflow, dir[1].passed, dir[1].dropped, dir[1].overflow);
    return 0;
}
