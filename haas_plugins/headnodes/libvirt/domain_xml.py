"""Domain and volume XML for headnode clones (pure functions, no libvirt calls)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass


@dataclass(frozen=True)
class BaseDisk:
    """A disk of a base domain to clone: its target device and where its volume is."""

    target: str
    #: ``("path", "/var/lib/libvirt/images/base.qcow2")`` or ``("volume", "pool", "vol")``.
    source: tuple[str, ...]


@dataclass(frozen=True)
class Interface:
    """A headnode interface: its bridge, and its VLAN tag when the bridge is Open vSwitch."""

    bridge: str
    vlan: int | None
    model: str


def base_disks(domain_xml: str) -> list[BaseDisk]:
    """The disks of ``domain_xml`` that a clone gets its own copy of (device ``disk``;
    CD-ROMs and floppies stay shared). :raises ValueError: a disk that is not a volume."""
    disks = []
    for disk in _parse(domain_xml).findall("./devices/disk"):
        if disk.get("device", "disk") != "disk":
            continue
        target = disk.find("target")
        source = disk.find("source")
        dev = target.get("dev") if target is not None else None
        if not dev or source is None:
            raise ValueError("a disk without a target device or a source")
        kind = disk.get("type", "file")
        if kind == "file" and source.get("file"):
            disks.append(BaseDisk(dev, ("path", source.get("file", ""))))
        elif kind == "block" and source.get("dev"):
            disks.append(BaseDisk(dev, ("path", source.get("dev", ""))))
        elif kind == "volume" and source.get("pool") and source.get("volume"):
            disks.append(
                BaseDisk(dev, ("volume", source.get("pool", ""), source.get("volume", "")))
            )
        else:
            raise ValueError(f"disk {dev} is a {kind} disk, not a storage volume")
    return disks


def clone_volume_xml(base_volume_xml: str, name: str) -> str:
    """A new volume named ``name`` of the base volume's capacity and format."""
    base = _parse(base_volume_xml)
    vol = ET.Element("volume")
    ET.SubElement(vol, "name").text = name
    capacity = base.find("capacity")
    if capacity is None:
        raise ValueError("the base volume has no capacity")
    ET.SubElement(vol, "capacity", unit=capacity.get("unit", "bytes")).text = capacity.text
    fmt = base.find("./target/format")
    if fmt is not None and fmt.get("type"):
        ET.SubElement(ET.SubElement(vol, "target"), "format", type=fmt.get("type", ""))
    return ET.tostring(vol, encoding="unicode")


def clone_domain_xml(
    base_xml: str,
    *,
    name: str,
    uuid: str,
    disks: dict[str, tuple[str, str]],
    interfaces: list[Interface],
) -> str:
    """The base domain's definition made into a headnode: its name and uuid, each cloned
    disk (``{target: (pool, volume)}``) pointing at its copy, the base's interfaces
    replaced by ``interfaces``, and VNC on a port libvirt picks."""
    root = _parse(base_xml)
    root.attrib.pop("id", None)
    _set_child(root, "name", name)
    _set_child(root, "uuid", uuid)
    devices = root.find("devices")
    if devices is None:
        devices = ET.SubElement(root, "devices")
    for disk in devices.findall("disk"):
        target = disk.find("target")
        dev = target.get("dev") if target is not None else None
        if dev in disks:
            pool, volume = disks[dev]
            disk.set("type", "volume")
            for source in disk.findall("source"):
                disk.remove(source)
            src = ET.Element("source", pool=pool, volume=volume)
            disk.insert(_after_driver(disk), src)
    for iface in devices.findall("interface"):
        devices.remove(iface)
    for spec in interfaces:
        devices.append(_interface(spec))
    vnc = [g for g in devices.findall("graphics") if g.get("type") == "vnc"]
    if not vnc:
        vnc = [ET.SubElement(devices, "graphics", type="vnc")]
    for graphics in vnc:
        # Clones of one base must not share a fixed port.
        for attr in ("port", "websocket"):
            graphics.attrib.pop(attr, None)
        graphics.set("autoport", "yes")
    return ET.tostring(root, encoding="unicode")


def vnc_port(live_xml: str) -> int | None:
    """The VNC port in a running domain's XML (None before libvirt assigned one)."""
    for graphics in _parse(live_xml).findall("./devices/graphics"):
        port = graphics.get("port", "")
        if graphics.get("type") == "vnc" and port.lstrip("-").isdigit() and int(port) > 0:
            return int(port)
    return None


def _parse(text: str) -> ET.Element:
    # Written by libvirtd (from an admin's base domain), never by an API client.
    return ET.fromstring(text)  # noqa: S314


def _interface(spec: Interface) -> ET.Element:
    iface = ET.Element("interface", type="bridge")
    ET.SubElement(iface, "source", bridge=spec.bridge)
    if spec.vlan is not None:
        ET.SubElement(iface, "virtualport", type="openvswitch")
        ET.SubElement(ET.SubElement(iface, "vlan"), "tag", id=str(spec.vlan))
    ET.SubElement(iface, "model", type=spec.model)
    return iface


def _set_child(parent: ET.Element, tag: str, text: str) -> None:
    child = parent.find(tag)
    if child is None:
        child = ET.Element(tag)
        parent.insert(0, child)
    child.text = text


def _after_driver(disk: ET.Element) -> int:
    """Where ``<source>`` goes: after ``<driver>`` when there is one (schema order)."""
    for index, child in enumerate(disk):
        if child.tag == "driver":
            return index + 1
    return 0
