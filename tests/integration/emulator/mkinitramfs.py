#!/usr/bin/env python3
"""mkinitramfs.py <root-dir> <out.cpio.gz>: the tree as a gzip'd cpio "newc" archive (what the kernel unpacks
as its initramfs), owned by root, symlinks kept. Written here because the cpio tool is not installed."""
import gzip
import os
import stat
import sys


def entry(out, name, st, data=b""):
    ino = entry.ino = getattr(entry, "ino", 0) + 1
    nb = name.encode() + b"\0"
    hdr = "070701" + "".join("%08X" % v for v in (
        ino, st.st_mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(nb), 0))
    out.write(hdr.encode() + nb)
    out.write(b"\0" * ((4 - (110 + len(nb)) % 4) % 4))
    out.write(data)
    out.write(b"\0" * ((4 - len(data) % 4) % 4))


def main():
    root, dest = sys.argv[1], sys.argv[2]
    with gzip.open(dest, "wb", compresslevel=6) as out:
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            for n in sorted(dirnames) + sorted(filenames):
                p = os.path.join(dirpath, n)
                rel = os.path.relpath(p, root)
                st = os.lstat(p)
                if stat.S_ISLNK(st.st_mode):
                    entry(out, rel, st, os.readlink(p).encode())
                elif stat.S_ISREG(st.st_mode):
                    with open(p, "rb") as f:
                        entry(out, rel, st, f.read())
                elif stat.S_ISDIR(st.st_mode):
                    entry(out, rel, st)
        entry(out, "TRAILER!!!", os.stat_result((0,) * 10))


if __name__ == "__main__":
    main()
