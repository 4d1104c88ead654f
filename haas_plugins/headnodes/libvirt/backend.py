"""Headnode VMs on libvirt, through libvirt-python.

A headnode's domain is named ``domain_prefix + label`` and carries the headnode's uuid.
Its first start clones the base domain: each disk volume is copied into the storage pool
(``createXMLFrom``) under a name starting with the headnode's uuid, the base's interfaces
are replaced by one per connected hnic, and the domain is defined, started and marked
autostart. Whatever fails on the way is undone before the error is raised, and the
uuid-prefixed volume names let delete (and a retried first start) sweep what a crash
left behind.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Iterator
from typing import Any

import libvirt
from oslo_config import cfg

from haas_core.drivers import HeadnodeBackend, HeadnodeNic, HeadnodeVm
from haas_core.errors import BadArgumentError, ConfigError, HeadnodeError
from haas_plugins.headnodes.libvirt import GROUP, domain_xml

LOG = logging.getLogger(__name__)

#: A domain name becomes file names (``<name>.xml``, logs, sockets): leave room in NAME_MAX.
MAX_DOMAIN_NAME_BYTES = 200
#: Linux interface names (a bridge) are at most 15 bytes.
MAX_BRIDGE_NAME_BYTES = 15
MIN_VLAN, MAX_VLAN = 1, 4094
UNDEFINE_FLAGS = (
    libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE | libvirt.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA
)


def _quiet_libvirt(_ctx: Any, _err: Any) -> None:
    """libvirt prints every error to stderr by default; haas raises and logs them instead."""


libvirt.registerErrorHandler(_quiet_libvirt, None)


class LibvirtBackend(HeadnodeBackend):
    name = "libvirt"

    def __init__(self, conf: cfg.ConfigOpts) -> None:
        opts = conf[GROUP]
        self.uri: str = opts.uri
        self.images: dict[str, str] = {k: v for k, v in opts.base_images.items() if k and v}
        self.pool_name: str = opts.storage_pool
        self.prefix: str = opts.domain_prefix
        self.ovs_bridge: str | None = None
        self.bridge_template: str = opts.bridge_template
        self.nic_model: str = opts.nic_model
        if opts.network_mode == "ovs":
            if not opts.ovs_bridge:
                raise ConfigError(f"[{GROUP}] network_mode = ovs needs ovs_bridge")
            self.ovs_bridge = opts.ovs_bridge
        else:
            try:
                self.bridge_template.format(network_id="1")
            except (KeyError, IndexError, ValueError) as exc:
                raise ConfigError(
                    f"[{GROUP}] bridge_template {self.bridge_template!r}: only "
                    f"{{network_id}} may be substituted ({exc})"
                ) from None
        self._conn: libvirt.virConnect | None = None
        self._lock = threading.Lock()

    # ------------------------------------------------------------ checks

    def list_images(self) -> list[str]:
        return sorted(self.images)

    def domain_name(self, label: str) -> str:
        return self.prefix + label

    def check_label(self, label: str) -> None:
        name = self.domain_name(label)
        if "/" in name:
            raise BadArgumentError(f"Headnode name {label!r}: libvirt refuses '/' in names.")
        if name in (".", ".."):
            raise BadArgumentError(f"Headnode name {label!r} is not a usable VM name.")
        if len(name.encode()) > MAX_DOMAIN_NAME_BYTES:
            raise BadArgumentError(
                f"Headnode name {label!r} is too long for a VM name: "
                f"{self.prefix!r} + the name must fit in {MAX_DOMAIN_NAME_BYTES} bytes."
            )

    def check_network(self, network_id: str) -> None:
        if self.ovs_bridge is not None:
            self._vlan(network_id)
        else:
            self._bridge(network_id)

    def _vlan(self, network_id: str) -> int:
        if (
            network_id.isascii()
            and network_id.isdigit()
            and MIN_VLAN <= int(network_id) <= MAX_VLAN
        ):
            return int(network_id)
        raise BadArgumentError(
            f"Network id {network_id!r} is not a VLAN id ({MIN_VLAN}-{MAX_VLAN}) to tag a "
            "headnode's Open vSwitch port with."
        )

    def _bridge(self, network_id: str) -> str:
        bridge = self.bridge_template.format(network_id=network_id)
        if len(bridge.encode()) > MAX_BRIDGE_NAME_BYTES or any(c in bridge for c in "/ \t"):
            raise BadArgumentError(
                f"Network id {network_id!r} gives the bridge name {bridge!r}, which is not "
                f"a valid interface name (at most {MAX_BRIDGE_NAME_BYTES} bytes)."
            )
        return bridge

    def _interface(self, nic: HeadnodeNic) -> domain_xml.Interface:
        assert nic.network_id is not None
        if self.ovs_bridge is not None:
            return domain_xml.Interface(
                self.ovs_bridge, self._vlan(nic.network_id), self.nic_model
            )
        return domain_xml.Interface(self._bridge(nic.network_id), None, self.nic_model)

    # ------------------------------------------------------------ connection and errors

    def _connect(self) -> libvirt.virConnect:
        """The shared connection, reopened when libvirtd went away."""
        with self._lock:
            conn = self._conn
            if conn is not None:
                try:
                    if conn.isAlive():
                        return conn
                except libvirt.libvirtError:
                    pass
                with contextlib.suppress(libvirt.libvirtError):
                    conn.close()
                self._conn = None
            try:
                self._conn = libvirt.open(self.uri)
            except libvirt.libvirtError as exc:
                raise HeadnodeError(
                    f"Cannot connect to libvirt at {self.uri}: {_message(exc)}"
                ) from None
            return self._conn

    @contextlib.contextmanager
    def _errors(self, vm: HeadnodeVm, what: str) -> Iterator[None]:
        try:
            yield
        except libvirt.libvirtError as exc:
            LOG.warning("headnode %s (%s): %s failed: %s", vm.label, vm.uuid, what, exc)
            raise HeadnodeError(
                f"Headnode {vm.label}: could not {what}: {_message(exc)}"
            ) from None

    def _domain(self, conn: libvirt.virConnect, vm: HeadnodeVm) -> libvirt.virDomain | None:
        try:
            return conn.lookupByUUIDString(vm.uuid)
        except libvirt.libvirtError as exc:
            if exc.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN:
                return None
            raise

    def _existing_domain(self, conn: libvirt.virConnect, vm: HeadnodeVm) -> libvirt.virDomain:
        dom = self._domain(conn, vm)
        if dom is None:
            raise HeadnodeError(
                f"Headnode {vm.label}: its VM {self.domain_name(vm.label)} ({vm.uuid}) is "
                "gone from libvirt; delete the headnode."
            )
        return dom

    # ------------------------------------------------------------ operations

    def start(self, vm: HeadnodeVm, first: bool) -> None:
        conn = self._connect()
        if first:
            self._create(conn, vm)
            return
        with self._errors(vm, "start its VM"):
            dom = self._existing_domain(conn, vm)
            if not dom.isActive():
                dom.create()

    def stop(self, vm: HeadnodeVm) -> None:
        conn = self._connect()
        with self._errors(vm, "stop its VM"):
            dom = self._existing_domain(conn, vm)
            if dom.isActive():
                dom.destroy()

    def delete(self, vm: HeadnodeVm) -> None:
        conn = self._connect()
        with self._errors(vm, "delete its VM"):
            self._remove(conn, vm)

    def vnc_port(self, vm: HeadnodeVm) -> int | None:
        conn = self._connect()
        with self._errors(vm, "read its VNC port"):
            dom = self._domain(conn, vm)
            if dom is None or not dom.isActive():
                return None
            return domain_xml.vnc_port(dom.XMLDesc(0))

    # ------------------------------------------------------------ the first start

    def _create(self, conn: libvirt.virConnect, vm: HeadnodeVm) -> None:
        base_name = self.images.get(vm.base_img)
        if base_name is None:
            raise HeadnodeError(
                f"Headnode {vm.label}: base image {vm.base_img!r} is no longer configured."
            )
        interfaces = [self._interface(nic) for nic in vm.nics if nic.network_id is not None]
        with self._errors(vm, f"read base domain {base_name} and storage pool {self.pool_name}"):
            pool = conn.storagePoolLookupByName(self.pool_name)
            base_xml = conn.lookupByName(base_name).XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)
            # Leftovers of a first start that a crash cut short.
            self._remove(conn, vm, pool)
        try:
            disks = domain_xml.base_disks(base_xml)
        except ValueError as exc:
            raise HeadnodeError(
                f"Headnode {vm.label}: base domain {base_name} cannot be cloned: {exc}."
            ) from None
        clones: list[libvirt.virStorageVol] = []
        dom: libvirt.virDomain | None = None
        try:
            with self._errors(vm, f"clone base domain {base_name}"):
                sources = {}
                for disk in disks:
                    base_vol = self._volume(conn, disk)
                    name = f"{vm.uuid}-{disk.target}{_suffix(base_vol.name())}"
                    clone = pool.createXMLFrom(
                        domain_xml.clone_volume_xml(base_vol.XMLDesc(0), name), base_vol, 0
                    )
                    clones.append(clone)
                    sources[disk.target] = (self.pool_name, clone.name())
                xml = domain_xml.clone_domain_xml(
                    base_xml,
                    name=self.domain_name(vm.label),
                    uuid=vm.uuid,
                    disks=sources,
                    interfaces=interfaces,
                )
                dom = conn.defineXML(xml)
            with self._errors(vm, "start its new VM"):
                dom.create()
                dom.setAutostart(1)
        except BaseException:
            self._undo(vm, dom, clones)
            raise
        LOG.info(
            "headnode %s: created VM %s from %s with %d disk(s), %d interface(s)",
            vm.label,
            vm.uuid,
            base_name,
            len(clones),
            len(interfaces),
        )

    def _volume(self, conn: libvirt.virConnect, disk: domain_xml.BaseDisk) -> Any:
        if disk.source[0] == "path":
            return conn.storageVolLookupByPath(disk.source[1])
        return conn.storagePoolLookupByName(disk.source[1]).storageVolLookupByName(disk.source[2])

    def _undo(
        self,
        vm: HeadnodeVm,
        dom: libvirt.virDomain | None,
        clones: list[libvirt.virStorageVol],
    ) -> None:
        """Remove what a failed first start made; failures here are logged, not raised,
        so the original error reaches the client."""
        if dom is not None:
            try:
                if dom.isActive():
                    dom.destroy()
                _undefine(dom)
            except libvirt.libvirtError as exc:
                LOG.error("headnode %s: cannot undefine half-made VM: %s", vm.label, exc)
        for vol in clones:
            try:
                vol.delete(0)
            except libvirt.libvirtError as exc:
                LOG.error("headnode %s: cannot delete cloned volume: %s", vm.label, exc)

    def _remove(
        self,
        conn: libvirt.virConnect,
        vm: HeadnodeVm,
        pool: libvirt.virStoragePool | None = None,
    ) -> None:
        """Destroy and undefine the VM, and delete every volume of the pool named after
        its uuid (the clones of its disks)."""
        dom = self._domain(conn, vm)
        if dom is not None:
            if dom.isActive():
                dom.destroy()
            _undefine(dom)
        if pool is None:
            pool = conn.storagePoolLookupByName(self.pool_name)
        for vol in pool.listAllVolumes(0):
            if vol.name().startswith(f"{vm.uuid}-"):
                vol.delete(0)


def _undefine(dom: libvirt.virDomain) -> None:
    try:
        dom.undefineFlags(UNDEFINE_FLAGS | libvirt.VIR_DOMAIN_UNDEFINE_NVRAM)
    except libvirt.libvirtError as exc:
        # Drivers without UEFI variables (the test driver) refuse the NVRAM flag.
        if exc.get_error_code() not in (libvirt.VIR_ERR_INVALID_ARG, libvirt.VIR_ERR_NO_SUPPORT):
            raise
        dom.undefineFlags(UNDEFINE_FLAGS)


def _suffix(volume_name: str) -> str:
    """``.qcow2`` of ``base.qcow2``: the clone keeps the base's file name extension."""
    ext = os.path.splitext(volume_name)[1]
    return ext if 1 < len(ext) <= 8 else ""


def _message(exc: libvirt.libvirtError) -> str:
    return exc.get_error_message() or str(exc)
