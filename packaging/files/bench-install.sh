#!/bin/sh
# Bench route: install the agent on a unit reached over UART (a root shell), after fetching this bundle with
# TFTP, e.g.  cd /tmp && tftp -g -r cpe-agent_<v>_<board>-bench.tar.gz <pc> && tar xzf … && ./install.sh
#   install.sh [<root>]   copies root/ onto <root> (default /; the rootfs must be writable there), then starts
#                         the agent through its init script. Nothing is overwritten in <root>/etc/cpe-agent/state.
set -e
here=$(cd "$(dirname "$0")" && pwd)
dest=${1:-/}
[ -d "$here/root/usr/sbin" ] || { echo "install.sh: run it from the unpacked bundle" >&2; exit 2; }
(cd "$here/root" && tar cf - .) | (cd "$dest" && tar xf -)
echo "install.sh: installed into $dest"
if [ "$dest" = / ]; then
    /etc/init.d/S95cpe-agent start
fi
