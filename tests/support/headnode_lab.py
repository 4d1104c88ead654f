"""Real parts for the headnode integration test: a private Open vSwitch (userspace
datapath) or Linux bridges, with nodes in network namespaces, a libvirtd that uses that
OVS, and a tiny bootable guest (Debian's kernel and a busybox initrd built here).

Everything gets unique names and is stopped by PID; see spec/lab.md.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

OVS_SCHEMA = "/usr/share/openvswitch/vswitch.ovsschema"
BUSYBOX = "/bin/busybox"
#: Modules the guest needs for its virtio NIC (with their dependencies).
GUEST_MODULES = ("virtio_pci", "virtio_net")


def run(*args: str, env: dict[str, str] | None = None, check: bool = True) -> str:
    proc = subprocess.run(args, capture_output=True, text=True, env=env, timeout=60)
    if check and proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed: {proc.stderr.strip()}")
    return proc.stdout


def missing_parts() -> str | None:
    """Why the integration test cannot run here, or None."""
    if os.geteuid() != 0:
        return "needs root (network namespaces, libvirtd)"
    for tool in ("ovsdb-server", "ovs-vswitchd", "libvirtd", "virtlogd", "qemu-system-x86_64"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (scripts/setup.sh --test)"
    if not os.path.exists(BUSYBOX):
        return "busybox-static is not installed"
    if find_kernel() is None:
        return "no Debian kernel in /boot (apt-get install linux-image-amd64)"
    if os.path.exists("/run/libvirt/libvirt-sock"):
        return "another libvirtd runs on this machine; this test starts its own"
    return None


def find_kernel() -> tuple[Path, Path] | None:
    """``(vmlinuz, modules dir)`` of an installed Debian kernel."""
    for vmlinuz in sorted(glob.glob("/boot/vmlinuz-*"), reverse=True):
        version = vmlinuz.removeprefix("/boot/vmlinuz-")
        modules = Path("/lib/modules") / version
        if (modules / "modules.dep").exists():
            return Path(vmlinuz), modules
    return None


def _kill_pidfile(pidfile: Path) -> None:
    with contextlib.suppress(FileNotFoundError, ValueError, ProcessLookupError):
        pid = int(pidfile.read_text().strip())
        os.kill(pid, signal.SIGTERM)
        for _ in range(50):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)
        os.kill(pid, signal.SIGKILL)


# ------------------------------------------------------------------ Open vSwitch


@dataclass
class PrivateOvs:
    """ovsdb-server and ovs-vswitchd with their own run directory, in the root namespace
    (libvirt's taps live there), bridges on the userspace datapath."""

    rundir: Path
    suffix: str
    namespaces: list[str] = field(default_factory=list)

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "OVS_RUNDIR": str(self.rundir), "OVS_DBDIR": str(self.rundir)}

    def vsctl(self, *args: str) -> str:
        return run("ovs-vsctl", "--timeout=10", *args, env=self.env)

    def start(self) -> PrivateOvs:
        db = self.rundir / "conf.db"
        run("ovsdb-tool", "create", str(db), OVS_SCHEMA)
        common = ["--detach", "--no-chdir"]
        run(
            "ovsdb-server",
            str(db),
            f"--remote=punix:{self.rundir}/db.sock",
            f"--pidfile={self.rundir}/ovsdb-server.pid",
            f"--unixctl={self.rundir}/ovsdb-server.ctl",
            f"--log-file={self.rundir}/ovsdb-server.log",
            *common,
            env=self.env,
        )
        self.vsctl("--no-wait", "init")
        run(
            "ovs-vswitchd",
            f"unix:{self.rundir}/db.sock",
            f"--pidfile={self.rundir}/ovs-vswitchd.pid",
            f"--unixctl={self.rundir}/ovs-vswitchd.ctl",
            f"--log-file={self.rundir}/ovs-vswitchd.log",
            *common,
            env=self.env,
        )
        return self

    def add_bridge(self, name: str) -> None:
        self.vsctl("add-br", name, "--", "set", "bridge", name, "datapath_type=netdev")

    def add_node(self, bridge: str, name: str, address: str, vlan: int) -> str:
        """A network namespace with ``address`` on a veth whose peer is an access port of
        ``vlan``; returns the namespace's name."""
        ns, outside = _add_namespace_node(self.suffix, name, address)
        self.namespaces.append(ns)
        self.vsctl("add-port", bridge, outside, f"tag={vlan}")
        return ns

    def stop(self) -> None:
        for ns in self.namespaces:  # takes each veth pair with it
            run("ip", "netns", "del", ns, check=False)
        _kill_pidfile(self.rundir / "ovs-vswitchd.pid")
        _kill_pidfile(self.rundir / "ovsdb-server.pid")


def _add_namespace_node(suffix: str, name: str, address: str) -> tuple[str, str]:
    """A network namespace with ``address`` on a veth; returns the namespace's name and
    the veth's outer end (in the root namespace, up, for the caller to plug in)."""
    ns = f"haas-{suffix}-{name}"
    outside, inside = f"hv{suffix[:6]}{name}"[:15], "eth0"
    run("ip", "netns", "add", ns)
    run("ip", "link", "add", outside, "type", "veth", "peer", "name", f"{outside}p")
    run("ip", "link", "set", f"{outside}p", "netns", ns)
    run("ip", "-n", ns, "link", "set", f"{outside}p", "name", inside)
    run("ip", "-n", ns, "addr", "add", address, "dev", inside)
    run("ip", "-n", ns, "link", "set", inside, "up")
    run("ip", "-n", ns, "link", "set", "lo", "up")
    run("ip", "link", "set", outside, "up")
    return ns, outside


# ------------------------------------------------------------------ Linux bridges


@dataclass
class LinuxBridges:
    """Linux bridges, one per network as in the headnode backend's ``bridge`` mode, with
    nodes in network namespaces on them; all removed by :meth:`stop`."""

    suffix: str
    bridges: list[str] = field(default_factory=list)
    namespaces: list[str] = field(default_factory=list)

    def add_bridge(self, name: str) -> None:
        run("ip", "link", "add", "name", name, "type", "bridge")
        self.bridges.append(name)
        run("ip", "link", "set", name, "up")

    def add_node(self, bridge: str, name: str, address: str) -> str:
        """A network namespace with ``address`` on a veth plugged into ``bridge``."""
        ns, outside = _add_namespace_node(self.suffix, name, address)
        self.namespaces.append(ns)
        run("ip", "link", "set", outside, "master", bridge)
        return ns

    def members(self, bridge: str) -> list[str]:
        """The interfaces plugged into ``bridge``."""
        listing = run("ip", "-o", "link", "show", "master", bridge)
        return [line.split(":")[1].strip().split("@")[0] for line in listing.splitlines()]

    def stop(self) -> None:
        for ns in self.namespaces:  # takes each veth pair with it
            run("ip", "netns", "del", ns, check=False)
        for bridge in self.bridges:
            run("ip", "link", "del", bridge, check=False)


# ------------------------------------------------------------------ libvirtd


@contextlib.contextmanager
def libvirtd(workdir: Path, ovs: PrivateOvs) -> Iterator[str]:
    """virtlogd and libvirtd, started here and stopped by PID; libvirtd runs ovs-vsctl
    against the private OVS (``OVS_RUNDIR``). Yields the connection URI."""
    env = ovs.env
    pids = [workdir / "virtlogd.pid", workdir / "libvirtd.pid"]
    try:
        run("virtlogd", "-d", "-p", str(pids[0]), env=env)
        run("libvirtd", "-d", "-p", str(pids[1]), env=env)
        for _ in range(100):
            if os.path.exists("/run/libvirt/libvirt-sock"):
                break
            time.sleep(0.1)
        yield "qemu:///system"
    finally:
        for pidfile in reversed(pids):
            _kill_pidfile(pidfile)


# ------------------------------------------------------------------ the guest


GUEST_INIT = """#!/bin/busybox sh
/bin/busybox mkdir -p /proc /sys /dev /tmp
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sys /sys
/bin/busybox mount -t devtmpfs dev /dev
/bin/busybox --install -s /bin
exec >/dev/console 2>&1 </dev/console
for m in $(cat /modules.order); do insmod /modules/$m; done
for arg in $(cat /proc/cmdline); do
  case $arg in
    haas.ip=*) IP=${arg#haas.ip=};;
    haas.same=*) SAME=${arg#haas.same=};;
    haas.other=*) OTHER=${arg#haas.other=};;
  esac
done
ip link set lo up
ip addr add $IP dev eth0
ip link set eth0 up
echo HAAS-READY
if ping -c 3 -W 2 $SAME; then echo HAAS-SAME-OK; else echo HAAS-SAME-FAIL; fi
if ping -c 2 -W 1 $OTHER; then echo HAAS-OTHER-OK; else echo HAAS-OTHER-FAIL; fi
echo HAAS-DONE
while true; do sleep 3600; done
"""


def module_load_order(modules_dir: Path, wanted: tuple[str, ...]) -> list[str]:
    """Relative paths of ``wanted`` modules and their dependencies, dependencies first
    (modules built into the kernel are left out)."""
    deps: dict[str, list[str]] = {}
    for line in (modules_dir / "modules.dep").read_text().splitlines():
        path, _, rest = line.partition(":")
        deps[path] = rest.split()
    by_name = {Path(p).name.split(".ko")[0].replace("-", "_"): p for p in deps}
    order: list[str] = []

    def visit(path: str) -> None:
        if path in order:
            return
        for dep in deps[path]:
            visit(dep)
        order.append(path)

    for name in wanted:
        if name in by_name:
            visit(by_name[name])
    return order


class Cpio:
    """An initramfs archive in the ``newc`` cpio format the kernel unpacks."""

    def __init__(self) -> None:
        self.data = bytearray()
        self.inode = 0

    def add(self, name: str, mode: int, data: bytes = b"", rdev: tuple[int, int] = (0, 0)) -> None:
        self.inode += 1
        # ino, mode, uid, gid, nlink, mtime, size, dev major/minor, rdev major/minor,
        # name size (with its NUL), checksum.
        fields = [self.inode, mode, 0, 0, 1, 0, len(data), 0, 0, *rdev, len(name) + 1, 0]
        record = b"070701" + b"".join(b"%08X" % f for f in fields) + name.encode() + b"\0"
        record += b"\0" * (-len(record) % 4)
        self.data += record + data + b"\0" * (-len(data) % 4)

    def finish(self) -> bytes:
        self.add("TRAILER!!!", 0)
        return bytes(self.data)


def build_initrd(path: Path, modules_dir: Path) -> None:
    """A busybox initrd that loads the virtio NIC driver and runs ``GUEST_INIT``."""
    order = module_load_order(modules_dir, GUEST_MODULES)
    cpio = Cpio()
    for directory in ("bin", "dev", "proc", "sys", "tmp", "modules"):
        cpio.add(directory, 0o040755)
    cpio.add("dev/console", 0o020600, rdev=(5, 1))
    cpio.add("bin/busybox", 0o100755, Path(BUSYBOX).read_bytes())
    cpio.add("init", 0o100755, GUEST_INIT.encode())
    names = []
    for rel in order:
        names.append(Path(rel).name)
        cpio.add(f"modules/{names[-1]}", 0o100644, (modules_dir / rel).read_bytes())
    cpio.add("modules.order", 0o100644, "".join(f"{n}\n" for n in names).encode())
    path.write_bytes(cpio.finish())
