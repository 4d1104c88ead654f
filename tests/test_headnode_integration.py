"""A headnode through the API on real libvirtd + QEMU (TCG), in both network modes of
the libvirt backend: the first start clones a base domain booting Debian's kernel and a
busybox initrd; its interface is a VLAN-tagged port of a private Open vSwitch (``ovs``)
or a port of the network's own Linux bridge (``bridge``), so it reaches a node (a
network namespace) on its network by ping and cannot reach one on another network.
Needs root and the packages of ``scripts/setup.sh --test``; skipped otherwise (never in
CI)."""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import USERS, MakeServices, seed_users
from tests.support.app import Api
from tests.support.assertions import assert_empty_ok
from tests.support.headnode_lab import (
    LinuxBridges,
    PrivateOvs,
    build_initrd,
    find_kernel,
    libvirtd,
    missing_parts,
    run,
)

BOOT_TIMEOUT_S = 240


@pytest.fixture
def lab() -> Iterator[dict[str, Any]]:
    why = missing_parts()
    if why is not None:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the headnode integration test: {why}")
        pytest.skip(why)
    import libvirt

    suffix = uuid.uuid4().hex[:6]
    # QEMU runs as libvirt-qemu: the kernel, initrd, pool and console must be reachable.
    workdir = Path(tempfile.mkdtemp(prefix=f"haas-hn-{suffix}-", dir="/tmp"))
    workdir.chmod(0o755)
    _kvm_group_access()
    ovs = PrivateOvs(workdir / "ovs", suffix)
    ovs.rundir.mkdir()
    linux_bridges = LinuxBridges(suffix)
    try:
        ovs.start()
        bridge = f"hnbr{suffix}"
        ovs.add_bridge(bridge)
        with libvirtd(workdir, ovs) as uri:
            conn = libvirt.open(uri)
            try:
                yield {
                    "conn": conn,
                    "uri": uri,
                    "ovs": ovs,
                    "bridge": bridge,
                    "linux_bridges": linux_bridges,
                    "suffix": suffix,
                    "workdir": workdir,
                }
            finally:
                _remove_domains(conn, f"haas-it-{suffix}")
                conn.close()
    finally:
        linux_bridges.stop()
        ovs.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def _kvm_group_access() -> None:
    """spec/lab.md: with /dev/kvm 0600 root, libvirt re-probes QEMU on every call."""
    if os.path.exists("/dev/kvm") and not os.stat("/dev/kvm").st_mode & stat.S_IRGRP:
        run("chgrp", "kvm", "/dev/kvm")
        os.chmod("/dev/kvm", 0o660)


def _remove_domains(conn: Any, prefix: str) -> None:
    for dom in conn.listAllDomains(0):
        if dom.name().startswith(prefix):
            if dom.isActive():
                dom.destroy()
            dom.undefine()
    for pool in conn.listAllStoragePools(0):
        if pool.name().startswith(prefix):
            for vol in pool.listAllVolumes(0):
                vol.delete(0)
            pool.destroy()


def _base_domain(lab: dict[str, Any], subnet: str) -> tuple[str, str]:
    """A transient storage pool with a base disk, and a base domain that boots the guest.
    Returns (base domain name, pool name)."""
    conn, workdir, suffix = lab["conn"], lab["workdir"], lab["suffix"]
    found = find_kernel()
    assert found is not None
    vmlinuz, modules = found
    shutil.copy(vmlinuz, workdir / "vmlinuz")
    build_initrd(workdir / "initrd", modules)
    for name in ("vmlinuz", "initrd"):
        (workdir / name).chmod(0o644)
    pool_dir = workdir / "pool"
    pool_dir.mkdir(mode=0o755)
    pool_name = f"haas-it-{suffix}-pool"
    pool = conn.storagePoolCreateXML(
        f"<pool type='dir'><name>{pool_name}</name><target><path>{pool_dir}</path></target>"
        "</pool>",
        0,
    )
    disk = pool.createXML(
        "<volume><name>base.qcow2</name><capacity unit='MiB'>4</capacity>"
        "<target><format type='qcow2'/></target></volume>",
        0,
    )
    name = f"haas-it-{suffix}-base"
    cmdline = (
        f"console=ttyS0 quiet panic=-1 haas.ip={subnet}.2/24 haas.same={subnet}.1 "
        f"haas.other={subnet}.3"
    )
    conn.defineXML(
        f"""<domain type='qemu'>
  <name>{name}</name>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>{workdir}/vmlinuz</kernel>
    <initrd>{workdir}/initrd</initrd>
    <cmdline>{cmdline}</cmdline>
  </os>
  <on_reboot>destroy</on_reboot>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='{disk.path()}'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <serial type='file'><source path='{workdir}/console.log'/><target port='0'/></serial>
    <graphics type='vnc' autoport='yes' listen='127.0.0.1'/>
  </devices>
</domain>"""
    )
    return name, pool_name


def _wait_for_console(path: Path, marker: str) -> str:
    deadline = time.monotonic() + BOOT_TIMEOUT_S
    text = ""
    while time.monotonic() < deadline:
        text = path.read_text(errors="replace") if path.exists() else ""
        if marker in text:
            return text
        time.sleep(1)
    raise AssertionError(f"no {marker} on the console after {BOOT_TIMEOUT_S} s:\n{text}")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("mode", ["ovs", "bridge"])
def test_headnode_reaches_its_network_and_not_another(
    lab: dict[str, Any], make_services: MakeServices, mode: str
) -> None:
    ovs, linux_bridges, suffix = lab["ovs"], lab["linux_bridges"], lab["suffix"]
    subnet = f"10.{200 + int(suffix[:2], 16) % 50}.{int(suffix[2:4], 16)}"
    base, pool = _base_domain(lab, subnet)
    bridge_template = f"hb{suffix}v{{network_id}}"  # at most 12 bytes: 15 is the limit
    if mode == "ovs":
        network_settings = {"network_mode": "ovs", "ovs_bridge": lab["bridge"]}
    else:
        network_settings = {"network_mode": "bridge", "bridge_template": bridge_template}
    services = make_services(
        {
            "plugins": {"headnode": "libvirt"},
            "headnode_libvirt": {
                "uri": lab["uri"],
                "base_images": f"busybox:{base}",
                "storage_pool": pool,
                "domain_prefix": f"haas-it-{suffix}-",
                **network_settings,
            },
        }
    )
    seed_users(services, USERS)
    api = Api(services, {name: pw for name, (pw, _, _) in USERS.items()})

    assert_empty_ok(api.put("/v0/network/net1", {"owner": "p1", "access": "p1", "net_id": ""}))
    vlan = int(api.get("/v0/networks").json["net1"]["network_id"])
    if mode == "ovs":  # the other node: on the same bridge, in another VLAN
        same = ovs.add_node(lab["bridge"], "a", f"{subnet}.1/24", vlan)
        ovs.add_node(lab["bridge"], "b", f"{subnet}.3/24", vlan + 1)
    else:  # the other node: on another network's bridge
        ours, theirs = (bridge_template.format(network_id=v) for v in (vlan, vlan + 1))
        linux_bridges.add_bridge(ours)
        linux_bridges.add_bridge(theirs)
        same = linux_bridges.add_node(ours, "a", f"{subnet}.1/24")
        linux_bridges.add_node(theirs, "b", f"{subnet}.3/24")

    assert_empty_ok(api.put("/v0/headnode/hn1", {"project": "p1", "base_img": "busybox"}))
    assert_empty_ok(api.put("/v0/headnode/hn1/hnic/eth0", user="alice"))
    assert_empty_ok(
        api.post("/v0/headnode/hn1/hnic/eth0/connect_network", {"network": "net1"}, user="alice")
    )
    assert_empty_ok(api.post("/v0/headnode/hn1/start", user="alice"))

    shown = api.get("/v0/headnode/hn1", user="alice").json
    dom = lab["conn"].lookupByUUIDString(shown["uuid"])
    assert dom.name() == f"haas-it-{suffix}-hn1" and dom.isActive() and dom.autostart()
    assert isinstance(shown["vncport"], int) and shown["vncport"] >= 5900
    if mode == "ovs":  # the VM's tap is an access port of the network's VLAN
        ports = ovs.vsctl("list-ports", lab["bridge"]).split()
        taps = [p for p in ports if p.startswith("vnet")]
        assert len(taps) == 1
        assert ovs.vsctl("get", "port", taps[0], "tag").strip() == str(vlan)
    else:  # the VM's tap is plugged into the network's bridge
        members = linux_bridges.members(bridge_template.format(network_id=vlan))
        assert len([m for m in members if m.startswith("vnet")]) == 1, members

    console = _wait_for_console(lab["workdir"] / "console.log", "HAAS-DONE")
    assert "HAAS-SAME-OK" in console, console
    assert "HAAS-OTHER-FAIL" in console, console
    run("ip", "netns", "exec", same, "ping", "-c", "1", "-W", "2", f"{subnet}.2")

    assert_empty_ok(api.post("/v0/headnode/hn1/stop", user="alice"))
    assert not dom.isActive()
    assert api.get("/v0/headnode/hn1").json["vncport"] is None
    assert_empty_ok(api.delete("/v0/headnode/hn1", user="alice"))
    assert [d.name() for d in lab["conn"].listAllDomains(0) if "hn1" in d.name()] == []
    volumes = lab["conn"].storagePoolLookupByName(pool).listAllVolumes(0)
    assert [v.name() for v in volumes] == ["base.qcow2"]
