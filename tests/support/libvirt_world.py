"""Base images on libvirt's test driver (``test:///default``): real libvirt objects held in
memory and shared by every connection of the process, so each world uses unique names."""

from __future__ import annotations

import contextlib
import os
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

libvirt: Any
try:
    import libvirt
except ImportError:  # pragma: no cover - CI installs libvirt-python
    libvirt = None

URI = "test:///default"
GIB = 1024**3


def require_libvirt() -> None:
    if libvirt is None:
        if os.environ.get("CI"):
            pytest.fail("libvirt-python is not installed, and CI must run every test")
        pytest.skip("libvirt-python is not installed (pip install 'haas[libvirt]')")


@dataclass
class LibvirtWorld:
    """Per test: a storage pool, and a base domain with a NIC of its own (which clones
    must not inherit) and disks in that pool. The test driver clones a volume only into
    its own pool (real libvirt also across pools), so the clones go to the same pool."""

    conn: Any
    suffix: str
    pool: Any = None
    base_domain: str = ""
    base_volumes: list[str] = field(default_factory=list)
    extra_domains: list[str] = field(default_factory=list)

    @property
    def pool_name(self) -> str:
        return f"haas-pool-{self.suffix}"

    @property
    def prefix(self) -> str:
        """A domain prefix unique to the world, so headnode labels can repeat across tests."""
        return f"t{self.suffix}-"

    def make_pool(self, name: str) -> Any:
        pool = self.conn.storagePoolDefineXML(
            f"<pool type='dir'><name>{name}</name><target><path>/{name}</path></target></pool>"
        )
        pool.create()
        return pool

    def add_volume(self, pool: Any, name: str, capacity: int, fmt: str = "qcow2") -> Any:
        return pool.createXML(
            f"<volume><name>{name}</name><capacity unit='bytes'>{capacity}</capacity>"
            f"<target><format type='{fmt}'/></target></volume>"
        )

    def define_base(self, name: str, disks: dict[str, int]) -> str:
        """A base domain with ``{target: capacity}`` qcow2 disks in the base pool."""
        disk_xml = ""
        for target, capacity in disks.items():
            vol = self.add_volume(self.pool, f"{name}-{target}.qcow2", capacity)
            self.base_volumes.append(vol.name())
            disk_xml += (
                f"<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
                f"<source file='{vol.path()}'/><target dev='{target}' bus='virtio'/></disk>"
            )
        self.conn.defineXML(
            f"<domain type='test'><name>{name}</name><memory unit='MiB'>64</memory>"
            f"<os><type>hvm</type></os><devices>{disk_xml}"
            "<disk type='file' device='cdrom'><source file='/isos/tools.iso'/>"
            "<target dev='hdc' bus='ide'/><readonly/></disk>"
            "<interface type='network'><source network='default'/></interface>"
            "<graphics type='vnc' port='5901' autoport='no'/>"
            "</devices></domain>"
        )
        self.extra_domains.append(name)
        return name

    # ------------------------------------------------------------ reading back

    def domain(self, uuid_: str) -> Any | None:
        try:
            return self.conn.lookupByUUIDString(uuid_)
        except libvirt.libvirtError:
            return None

    def volumes(self) -> list[str]:
        """The pool's volumes other than the base domains' disks."""
        names = (v.name() for v in self.pool.listAllVolumes(0))
        return sorted(name for name in names if name not in self.base_volumes)

    def volume(self, name: str) -> Any:
        return self.pool.storageVolLookupByName(name)


def xml_of(dom: Any, flags: int = 0) -> ET.Element:
    return ET.fromstring(dom.XMLDesc(flags))  # noqa: S314 - libvirt's own XML


@contextlib.contextmanager
def libvirt_world() -> Iterator[LibvirtWorld]:
    """A fresh world, removed afterwards (test modules wrap this in a fixture)."""
    require_libvirt()
    libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
    conn = libvirt.open(URI)
    world = LibvirtWorld(conn, uuid.uuid4().hex[:10])
    world.pool = world.make_pool(world.pool_name)
    world.base_domain = world.define_base(
        f"haas-base-{world.suffix}", {"vda": 8 * 1024**2, "vdb": 4 * 1024**2}
    )
    try:
        yield world
    finally:
        _clean(world)
        conn.close()


def _clean(world: LibvirtWorld) -> None:
    """Remove the world's objects, and any domain a test left under its prefix."""
    for dom in world.conn.listAllDomains(0):
        if dom.name().startswith(world.prefix) or dom.name() in world.extra_domains:
            if dom.isActive():
                dom.destroy()
            dom.undefine()
    for vol in world.pool.listAllVolumes(0):
        vol.delete(0)
    world.pool.destroy()
    world.pool.undefine()
