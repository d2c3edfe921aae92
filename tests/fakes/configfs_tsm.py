#!/usr/bin/python3
"""A fake configfs-tsm report directory for the tests: a FUSE filesystem that
behaves like the kernel's /sys/kernel/config/tsm/report
(Documentation/ABI/testing/configfs-tsm-report).

    configfs_tsm.py [options] --signer PATH --state DIR MOUNTPOINT

Run it with Debian's /usr/bin/python3 (it needs python3-fusepy). It stays in
the foreground until unmounted (fusermount3 -u MOUNTPOINT).

The mount point plays the report root: mkdir makes an entry with the
attributes inblob (WO, at most 64 bytes: a longer write fails with EFBIG as
configfs's does), outblob and auxblob (RO, made from the inblob when read
after a write, by the signer: tsm_signer), provider, generation,
privlevel (WO, 0..3 and not below privlevel_floor, else EINVAL) and
privlevel_floor (SEV-SNP only); each accepted write to inblob or privlevel
adds one to generation; rmdir removes the entry with its attributes.

Faults to inject (each counts per entry, from the entry's mkdir):
    --provider NAME     sev_guest (default) or tdx_guest: the platform
    --race N            on the first N outblob reads another writer changes
                        the inblob (the outblob answers it) and generation
    --busy N            the first N inblob writes fail with EBUSY
    --busy-read N       the first N outblob reads fail with EBUSY
    --inblob-einval     every inblob write fails with EINVAL
    --privlevel-floor N privlevel_floor (default 0)
    --empty-auxblob     auxblob exists and is empty
    --no-auxblob        there is no auxblob attribute
    --oversize          outblob has 64 KiB + 1 bytes
    --control FILE      read these options again from FILE (one line) at
                        every mkdir, so one mount serves several test cases
"""

import argparse
import errno
import os
import shlex
import stat
import subprocess
import sys
import tempfile
import threading
import time

import fusepy

INBLOB_MAX = 64
OUTBLOB_OVERSIZE = 64 * 1024 + 1


def fault_parser():
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--provider", default="sev_guest", choices=["sev_guest", "tdx_guest"])
    p.add_argument("--race", type=int, default=0)
    p.add_argument("--busy", type=int, default=0)
    p.add_argument("--busy-read", type=int, default=0)
    p.add_argument("--inblob-einval", action="store_true")
    p.add_argument("--privlevel-floor", type=int, default=0)
    p.add_argument("--empty-auxblob", action="store_true")
    p.add_argument("--no-auxblob", action="store_true")
    p.add_argument("--oversize", action="store_true")
    return p


class Signer:
    """One `tsm_signer serve` per platform, kept for the mount's life."""

    def __init__(self, path, state):
        self.path = path
        self.state = state
        self.procs = {}
        self.mutex = threading.Lock()

    def sign(self, platform, inblob, outfile, auxfile):
        with self.mutex:
            proc = self.procs.get(platform)
            if proc is None:
                proc = subprocess.Popen(
                    [self.path, "serve", platform, os.path.join(self.state, platform)],
                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
                self.procs[platform] = proc
            proc.stdin.write("%s %s %s\n" % (inblob.hex(), outfile, auxfile or "-"))
            proc.stdin.flush()
            answer = proc.stdout.readline().strip()
            if answer != "ok":
                sys.stderr.write("configfs_tsm: signer: %s\n" % (answer or "no answer"))
                raise fusepy.FuseOSError(errno.EIO)

    def close(self):
        for proc in self.procs.values():
            proc.stdin.close()
            proc.wait()


class Entry:
    def __init__(self, faults):
        self.faults = faults
        self.inblob = b""
        self.privlevel = 0
        self.generation = 0
        self.read_generation = None
        self.outblob = b""
        self.auxblob = b""
        self.races = faults.race
        self.busy = faults.busy
        self.busy_read = faults.busy_read
        self.ctime = time.time()

    def attributes(self):
        names = ["inblob", "outblob", "provider", "generation"]
        if self.faults.provider == "sev_guest":
            names += ["privlevel", "privlevel_floor"]
            if not self.faults.no_auxblob:
                names.append("auxblob")
        elif self.faults.empty_auxblob:
            names.append("auxblob")
        return names


WRITE_ONLY = ("inblob", "privlevel")


class ConfigfsTsm(fusepy.Operations):
    use_ns = True

    def __init__(self, faults, control, signer, scratch):
        self.faults = faults
        self.control = control
        self.signer = signer
        self.scratch = scratch
        self.entries = {}
        self.mutex = threading.RLock()
        self.snapshots = {}  # fh -> bytes read so far is a snapshot, as configfs's buffer
        self.next_fh = 1
        self.root_time = time.time()

    # --- helpers ------------------------------------------------------------
    def current_faults(self):
        if self.control is None:
            return self.faults
        try:
            with open(self.control) as f:
                line = f.read()
        except FileNotFoundError:
            return self.faults
        return fault_parser().parse_args(shlex.split(line))

    def split(self, path):
        parts = [p for p in path.split("/") if p]
        if len(parts) > 2:
            raise fusepy.FuseOSError(errno.ENOENT)
        entry = None
        if parts:
            entry = self.entries.get(parts[0])
            if entry is None:
                raise fusepy.FuseOSError(errno.ENOENT)
        attr = parts[1] if len(parts) == 2 else None
        if attr is not None and attr not in entry.attributes():
            raise fusepy.FuseOSError(errno.ENOENT)
        return parts, entry, attr

    def generate(self, entry):
        """Makes outblob and auxblob for the entry's inblob, as a read does."""
        faults = entry.faults
        fd, out_path = tempfile.mkstemp(dir=self.scratch)
        os.close(fd)
        aux_path = None
        if faults.provider == "sev_guest":
            fd, aux_path = tempfile.mkstemp(dir=self.scratch)
            os.close(fd)
        try:
            self.signer.sign(faults.provider, entry.inblob.ljust(INBLOB_MAX, b"\0"),
                             out_path, aux_path)
            with open(out_path, "rb") as f:
                entry.outblob = f.read()
            entry.auxblob = b""
            if aux_path is not None:
                with open(aux_path, "rb") as f:
                    entry.auxblob = f.read()
        finally:
            os.unlink(out_path)
            if aux_path is not None:
                os.unlink(aux_path)
        if faults.empty_auxblob:
            entry.auxblob = b""
        if faults.oversize:
            entry.outblob = entry.outblob.ljust(OUTBLOB_OVERSIZE, b"\0")
        entry.read_generation = entry.generation

    def content(self, entry, attr):
        if attr == "provider":
            return (entry.faults.provider + "\n").encode()
        if attr == "generation":
            return ("%d\n" % entry.generation).encode()
        if attr == "privlevel_floor":
            return ("%d\n" % entry.faults.privlevel_floor).encode()
        if attr in ("outblob", "auxblob"):
            if attr == "outblob" and entry.busy_read > 0:
                entry.busy_read -= 1
                raise fusepy.FuseOSError(errno.EBUSY)
            if attr == "outblob" and entry.races > 0:
                # another writer slips its own inblob in before the report is made
                entry.races -= 1
                entry.inblob = os.urandom(INBLOB_MAX)
                entry.generation += 1
            if entry.read_generation != entry.generation:
                self.generate(entry)
            return entry.outblob if attr == "outblob" else entry.auxblob
        raise fusepy.FuseOSError(errno.EACCES)

    # --- operations -----------------------------------------------------------
    def getattr(self, path, fh=None):
        with self.mutex:
            parts, entry, attr = self.split(path)
            now = int(time.time() * 1e9)
            st = dict(st_uid=os.getuid(), st_gid=os.getgid(), st_atime=now, st_mtime=now,
                      st_ctime=now)
            if attr is None:
                st.update(st_mode=stat.S_IFDIR | 0o755, st_nlink=2, st_size=0)
            else:
                mode = 0o200 if attr in WRITE_ONLY else 0o444
                st.update(st_mode=stat.S_IFREG | mode, st_nlink=1, st_size=4096)
            return st

    def readdir(self, path, fh):
        with self.mutex:
            parts, entry, attr = self.split(path)
            if attr is not None:
                raise fusepy.FuseOSError(errno.ENOTDIR)
            names = list(self.entries) if entry is None else entry.attributes()
            return [".", ".."] + names

    def mkdir(self, path, mode):
        with self.mutex:
            parts = [p for p in path.split("/") if p]
            if len(parts) != 1:
                raise fusepy.FuseOSError(errno.EPERM)
            if parts[0] in self.entries:
                raise fusepy.FuseOSError(errno.EEXIST)
            self.entries[parts[0]] = Entry(self.current_faults())

    def rmdir(self, path):
        with self.mutex:
            parts = [p for p in path.split("/") if p]
            if len(parts) != 1 or parts[0] not in self.entries:
                raise fusepy.FuseOSError(errno.ENOENT)
            del self.entries[parts[0]]

    def open(self, path, flags):
        with self.mutex:
            parts, entry, attr = self.split(path)
            if attr is None:
                raise fusepy.FuseOSError(errno.EISDIR)
            writing = (flags & os.O_ACCMODE) != os.O_RDONLY
            if writing != (attr in WRITE_ONLY):
                raise fusepy.FuseOSError(errno.EACCES)
            fh = self.next_fh
            self.next_fh += 1
            self.snapshots[fh] = None
            return fh

    def read(self, path, size, offset, fh):
        with self.mutex:
            parts, entry, attr = self.split(path)
            data = self.snapshots.get(fh)
            if data is None:
                data = self.content(entry, attr)
                self.snapshots[fh] = data
            return data[offset:offset + size]

    def write(self, path, data, offset, fh):
        with self.mutex:
            parts, entry, attr = self.split(path)
            if attr == "inblob":
                if offset + len(data) > INBLOB_MAX:
                    raise fusepy.FuseOSError(errno.EFBIG)
                if entry.faults.inblob_einval:
                    raise fusepy.FuseOSError(errno.EINVAL)
                if entry.busy > 0:
                    entry.busy -= 1
                    raise fusepy.FuseOSError(errno.EBUSY)
                blob = bytearray(entry.inblob if offset else b"")
                blob[offset:offset + len(data)] = data
                entry.inblob = bytes(blob)
                entry.generation += 1
                return len(data)
            if attr == "privlevel":
                try:
                    value = int(data.decode().strip(), 0)
                except ValueError:
                    raise fusepy.FuseOSError(errno.EINVAL)
                if value < entry.faults.privlevel_floor or value > 3:
                    raise fusepy.FuseOSError(errno.EINVAL)
                entry.privlevel = value
                entry.generation += 1
                return len(data)
            raise fusepy.FuseOSError(errno.EACCES)

    def truncate(self, path, length, fh=None):
        with self.mutex:
            self.split(path)
            return 0

    def release(self, path, fh):
        with self.mutex:
            self.snapshots.pop(fh, None)
            return 0

    def flush(self, path, fh):
        return 0


def main():
    p = argparse.ArgumentParser(parents=[fault_parser()],
                                description="A fake configfs-tsm report directory (FUSE).")
    p.add_argument("--signer", required=True, help="the tsm_signer program")
    p.add_argument("--state", required=True, help="the signer's state folder")
    p.add_argument("--control", help="a file to read the fault options from at each mkdir")
    p.add_argument("mountpoint")
    args = p.parse_args()
    os.makedirs(args.state, exist_ok=True)
    signer = Signer(os.path.abspath(args.signer), os.path.abspath(args.state))
    scratch = tempfile.mkdtemp(prefix="configfs-tsm-")
    control = os.path.abspath(args.control) if args.control else None
    try:
        fusepy.FUSE(ConfigfsTsm(args, control, signer, scratch), args.mountpoint,
                    foreground=True, nothreads=True, direct_io=True, attr_timeout=0,
                    entry_timeout=0, negative_timeout=0, fsname="configfs-tsm-fake")
    finally:
        signer.close()
        os.rmdir(scratch)


if __name__ == "__main__":
    main()
