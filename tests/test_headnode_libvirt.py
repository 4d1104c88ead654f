"""The libvirt headnode backend against libvirt's test driver (a real connection whose
domains, pools and volume clones live in memory)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from oslo_config import cfg

from haas_core.drivers import HeadnodeNic, HeadnodeVm
from haas_core.errors import BadArgumentError, ConfigError, HeadnodeError
from haas_plugins.headnodes.libvirt import GROUP, OPTS
from tests.support.libvirt_world import GIB, URI, LibvirtWorld, libvirt_world, xml_of

IMAGE = "img"


@pytest.fixture
def world() -> Iterator[LibvirtWorld]:
    with libvirt_world() as made:
        yield made


def make_backend(world: LibvirtWorld, **options: Any) -> Any:
    from haas_plugins.headnodes.libvirt.backend import LibvirtBackend

    conf = cfg.ConfigOpts()
    conf.register_opts(OPTS, group=GROUP)
    settings = {
        "uri": URI,
        "base_images": {IMAGE: world.base_domain},
        "storage_pool": world.pool_name,
        "domain_prefix": world.prefix,
        "network_mode": "ovs",
        "ovs_bridge": "br-fabric",
        **options,
    }
    for key, value in settings.items():
        conf.set_override(key, value, group=GROUP)
    conf([])
    return LibvirtBackend(conf)


def vm(label: str = "hn1", *nics: tuple[str, str | None]) -> HeadnodeVm:
    return HeadnodeVm(
        label=label,
        uuid=str(uuid.uuid4()),
        base_img=IMAGE,
        nics=tuple(HeadnodeNic(lbl, net) for lbl, net in nics),
    )


def interfaces(dom: Any) -> list[dict[str, Any]]:
    found = []
    for iface in xml_of(dom).findall("./devices/interface"):
        source = iface.find("source")
        virtualport = iface.find("virtualport")
        found.append(
            {
                "type": iface.get("type"),
                "bridge": source.get("bridge") if source is not None else None,
                "virtualport": virtualport.get("type") if virtualport is not None else None,
                "tags": [t.get("id") for t in iface.findall("./vlan/tag")],
                "model": iface.find("model").get("type"),  # type: ignore[union-attr]
            }
        )
    return found


def disk_sources(dom: Any) -> dict[str, dict[str, str]]:
    return {
        disk.find("target").get("dev"): dict(disk.find("source").attrib)  # type: ignore[union-attr]
        for disk in xml_of(dom).findall("./devices/disk")
    }


# ------------------------------------------------------------------ the first start


def test_first_start_clones_disks_and_runs_the_vm_with_autostart(world: LibvirtWorld) -> None:
    backend = make_backend(world)
    hn = vm("hn1")
    backend.start(hn, first=True)
    dom = world.domain(hn.uuid)
    assert dom is not None
    assert dom.name() == f"{world.prefix}hn1"
    assert dom.isActive() and dom.autostart()
    clones = [f"{hn.uuid}-vda.qcow2", f"{hn.uuid}-vdb.qcow2"]
    assert world.volumes() == clones
    pool = world.pool_name
    assert disk_sources(dom) == {
        "vda": {"pool": pool, "volume": clones[0]},
        "vdb": {"pool": pool, "volume": clones[1]},
        "hdc": {"file": "/isos/tools.iso"},  # a CD-ROM stays shared
    }
    # Each clone is its base's size and format; the bases are untouched.
    for target, size in (("vda", 8 * 1024**2), ("vdb", 4 * 1024**2)):
        vol = world.volume(f"{hn.uuid}-{target}.qcow2")
        assert vol.info()[1] == size
        assert "<format type='qcow2'/>" in vol.XMLDesc(0)
    for name in world.base_volumes:
        world.volume(name)  # still there
    assert not world.conn.lookupByName(world.base_domain).isActive()


def test_ovs_mode_gives_one_tagged_openvswitch_port_per_connected_hnic(
    world: LibvirtWorld,
) -> None:
    backend = make_backend(world)
    hn = vm("hn1", ("eth0", "105"), ("eth1", None), ("eth2", "300"))
    backend.start(hn, first=True)
    dom = world.domain(hn.uuid)
    port = {"type": "bridge", "bridge": "br-fabric", "virtualport": "openvswitch"}
    # The base's own interface is gone; the hnic without a network gets none.
    assert interfaces(dom) == [
        {**port, "tags": ["105"], "model": "virtio"},
        {**port, "tags": ["300"], "model": "virtio"},
    ]


def test_bridge_mode_puts_each_hnic_on_its_networks_bridge(world: LibvirtWorld) -> None:
    backend = make_backend(world, network_mode="bridge", nic_model="e1000")
    hn = vm("hn1", ("a", "7"), ("b", "2001"))
    backend.start(hn, first=True)
    bridge = {"type": "bridge", "virtualport": None, "tags": [], "model": "e1000"}
    assert interfaces(world.domain(hn.uuid)) == [
        {**bridge, "bridge": "br-vlan7"},
        {**bridge, "bridge": "br-vlan2001"},
    ]


def test_bridge_template_is_configurable(world: LibvirtWorld) -> None:
    backend = make_backend(world, network_mode="bridge", bridge_template="hn{network_id}br")
    hn = vm("hn1", ("a", "42"))
    backend.start(hn, first=True)
    assert [i["bridge"] for i in interfaces(world.domain(hn.uuid))] == ["hn42br"]


def test_clone_gets_vnc_on_a_port_libvirt_picks(world: LibvirtWorld) -> None:
    # The base asks for the fixed port 5901: two clones would clash on it.
    backend = make_backend(world)
    hn = vm("hn1")
    backend.start(hn, first=True)
    graphics = xml_of(world.domain(hn.uuid)).findall("./devices/graphics")
    assert [(g.get("type"), g.get("autoport"), g.get("port")) for g in graphics] == [
        ("vnc", "yes", "-1")
    ]


# ------------------------------------------------------------------ stop, start, delete


def test_stop_powers_off_and_start_powers_on_the_same_vm(world: LibvirtWorld) -> None:
    backend = make_backend(world)
    hn = vm("hn1", ("eth0", "105"))
    backend.start(hn, first=True)
    dom = world.domain(hn.uuid)
    backend.stop(hn)
    assert not dom.isActive()
    backend.stop(hn)  # already off: fine
    backend.start(hn, first=False)
    assert dom.isActive()
    backend.start(hn, first=False)  # already on: fine
    assert dom.isActive()
    assert len(world.volumes()) == 2


def test_delete_destroys_undefines_and_removes_the_cloned_disks(world: LibvirtWorld) -> None:
    backend = make_backend(world)
    hn, other = vm("hn1"), vm("hn2")
    backend.start(hn, first=True)
    backend.start(other, first=True)
    backend.delete(hn)
    assert world.domain(hn.uuid) is None
    assert world.volumes() == [f"{other.uuid}-vda.qcow2", f"{other.uuid}-vdb.qcow2"]
    assert world.domain(other.uuid).isActive()
    assert all(world.volume(name) for name in world.base_volumes)
    backend.delete(hn)  # gone already: fine


def test_delete_of_a_stopped_vm_and_of_one_never_made(world: LibvirtWorld) -> None:
    backend = make_backend(world)
    hn = vm("hn1")
    backend.start(hn, first=True)
    backend.stop(hn)
    backend.delete(hn)
    assert world.domain(hn.uuid) is None and world.volumes() == []
    backend.delete(vm("never"))


def test_start_and_stop_of_a_vm_removed_behind_hasss_back_fail_clearly(
    world: LibvirtWorld,
) -> None:
    backend = make_backend(world)
    hn = vm("hn1")
    backend.start(hn, first=True)
    dom = world.domain(hn.uuid)
    dom.destroy()
    dom.undefine()
    for call in (lambda: backend.start(hn, first=False), lambda: backend.stop(hn)):
        with pytest.raises(HeadnodeError, match="gone from libvirt"):
            call()


# ------------------------------------------------------------------ VNC port


def test_vnc_port_is_read_from_the_live_domain(world: LibvirtWorld) -> None:
    backend = make_backend(world)
    hn = vm("hn1")
    # A domain of the headnode's uuid whose live XML has a port (the test driver
    # never assigns automatic ports; real libvirt does, see the integration test).
    dom = world.conn.defineXML(
        f"<domain type='test'><name>{world.prefix}vnc</name><uuid>{hn.uuid}</uuid>"
        "<memory unit='MiB'>64</memory><os><type>hvm</type></os><devices>"
        "<graphics type='spice' port='5930'/><graphics type='vnc' port='5907'/>"
        "</devices></domain>"
    )
    assert backend.vnc_port(hn) is None  # defined, not running
    dom.create()
    assert backend.vnc_port(hn) == 5907
    dom.destroy()
    assert backend.vnc_port(hn) is None


def test_vnc_port_of_a_clone_waiting_for_its_port_and_of_no_vm(world: LibvirtWorld) -> None:
    backend = make_backend(world)
    hn = vm("hn1")
    assert backend.vnc_port(hn) is None
    backend.start(hn, first=True)
    assert backend.vnc_port(hn) is None  # autoport, not assigned by the test driver


# ------------------------------------------------------------------ failures leave nothing


def test_failure_in_the_middle_of_cloning_leaves_nothing_behind(world: LibvirtWorld) -> None:
    # The pool (100 GiB in the test driver) has room for vda's copy but not vdb's.
    base = world.define_base(f"haas-big-{world.suffix}", {"vda": 1024**2, "vdb": 40 * GIB})
    world.add_volume(world.pool, "filler.img", 25 * GIB, fmt="raw")
    backend = make_backend(world, base_images={IMAGE: base})
    hn = vm("hn1", ("eth0", "105"))
    with pytest.raises(HeadnodeError, match=f"could not clone base domain {base}") as failed:
        backend.start(hn, first=True)
    assert "Not enough free space in pool" in failed.value.msg
    assert f"{hn.uuid}-vdb.qcow2" in failed.value.msg  # after vda's copy was made
    assert world.domain(hn.uuid) is None
    assert world.volumes() == ["filler.img"]


def test_failure_to_define_the_clone_removes_its_disks(world: LibvirtWorld) -> None:
    # Another domain already has the name the headnode's VM would get.
    world.conn.defineXML(
        f"<domain type='test'><name>{world.prefix}hn1</name><memory unit='MiB'>64</memory>"
        "<os><type>hvm</type></os></domain>"
    )
    backend = make_backend(world)
    hn = vm("hn1")
    with pytest.raises(HeadnodeError, match="already exists"):
        backend.start(hn, first=True)
    assert world.domain(hn.uuid) is None
    assert world.volumes() == []


def test_base_disk_outside_any_pool_is_refused_before_anything_is_made(
    world: LibvirtWorld,
) -> None:
    name = f"haas-loose-{world.suffix}"
    world.conn.defineXML(
        f"<domain type='test'><name>{name}</name><memory unit='MiB'>64</memory>"
        "<os><type>hvm</type></os><devices><disk type='file' device='disk'>"
        "<source file='/nowhere/disk.img'/><target dev='vda'/></disk></devices></domain>"
    )
    world.extra_domains.append(name)
    backend = make_backend(world, base_images={IMAGE: name})
    hn = vm("hn1")
    with pytest.raises(HeadnodeError, match="could not clone base domain"):
        backend.start(hn, first=True)
    assert world.domain(hn.uuid) is None and world.volumes() == []


def test_missing_base_domain_or_pool_fail_clearly(world: LibvirtWorld) -> None:
    for options in (
        {"base_images": {IMAGE: f"missing-{world.suffix}"}},
        {"storage_pool": f"missing-{world.suffix}"},
    ):
        hn = vm("hn1")
        with pytest.raises(HeadnodeError, match="could not read base domain"):
            make_backend(world, **options).start(hn, first=True)
        assert world.domain(hn.uuid) is None
    assert world.volumes() == []


def test_image_dropped_from_the_config_after_create_fails_clearly(world: LibvirtWorld) -> None:
    backend = make_backend(world, base_images={"other": world.base_domain})
    with pytest.raises(HeadnodeError, match="base image 'img' is no longer configured"):
        backend.start(vm("hn1"), first=True)


def test_first_start_sweeps_leftovers_of_one_a_crash_cut_short(world: LibvirtWorld) -> None:
    backend = make_backend(world)
    hn = vm("hn1")
    world.add_volume(world.pool, f"{hn.uuid}-vda.qcow2", 1024)
    world.add_volume(world.pool, f"{hn.uuid}-vdz.qcow2", 1024)
    backend.start(hn, first=True)
    assert world.volumes() == [f"{hn.uuid}-vda.qcow2", f"{hn.uuid}-vdb.qcow2"]
    vda = world.volume(f"{hn.uuid}-vda.qcow2")
    assert vda.info()[1] == 8 * 1024**2  # the fresh clone, not the leftover


def test_unreachable_libvirt_is_a_headnode_error(world: LibvirtWorld) -> None:
    backend = make_backend(world, uri="test:///nonexistent/haas-missing.xml")
    with pytest.raises(HeadnodeError, match="Cannot connect to libvirt at test:///nonexistent"):
        backend.vnc_port(vm())


# ------------------------------------------------------------------ checks and configuration


def test_images_are_the_configured_names(world: LibvirtWorld) -> None:
    backend = make_backend(world, base_images={"b": "x", "a": "y"})
    assert backend.list_images() == ["a", "b"]


@pytest.mark.parametrize("label", ["a/b", "x" * 200])
def test_labels_libvirt_would_refuse_are_bad_arguments(world: LibvirtWorld, label: str) -> None:
    with pytest.raises(BadArgumentError):
        make_backend(world).check_label(label)


def test_labels_libvirt_takes_pass(world: LibvirtWorld) -> None:
    backend = make_backend(world)
    for label in ("hn1", "my headnode", "é-ü", "x" * (200 - len(world.prefix))):
        backend.check_label(label)


def test_dot_names_are_refused_without_a_prefix(world: LibvirtWorld) -> None:
    backend = make_backend(world, domain_prefix="")
    with pytest.raises(BadArgumentError):
        backend.check_label("..")


@pytest.mark.parametrize("net_id", ["0", "4095", "abc", "", "1e3"])
def test_ovs_mode_needs_vlan_ids(world: LibvirtWorld, net_id: str) -> None:
    backend = make_backend(world)
    with pytest.raises(BadArgumentError, match="not a VLAN id"):
        backend.check_network(net_id)
    backend.check_network("4094")


def test_bridge_mode_needs_ids_that_make_interface_names(world: LibvirtWorld) -> None:
    backend = make_backend(world, network_mode="bridge")
    backend.check_network("4094")
    with pytest.raises(BadArgumentError, match="not a valid interface name"):
        backend.check_network(str(uuid.uuid4()))


def test_ovs_mode_without_a_bridge_is_a_config_error(world: LibvirtWorld) -> None:
    with pytest.raises(ConfigError, match="needs ovs_bridge"):
        make_backend(world, ovs_bridge="")


def test_bridge_template_with_unknown_fields_is_a_config_error(world: LibvirtWorld) -> None:
    with pytest.raises(ConfigError, match="bridge_template"):
        make_backend(world, network_mode="bridge", bridge_template="br-{vlan}")
