"""The ``libvirt`` headnode backend: headnodes are libvirt domains cloned from base domains.

Options are in ``[headnode_libvirt]``; libvirt-python (``pip install 'haas[libvirt]'``) is
imported only when the backend is built, so the options load without it.
"""

from __future__ import annotations

from oslo_config import cfg

from haas_core.drivers import HeadnodeBackend
from haas_core.hookspecs import hookimpl

GROUP = "headnode_libvirt"

OPTS = [
    cfg.StrOpt(
        "uri",
        default="qemu:///system",
        help="libvirt connection URI (test:///default is libvirt's in-memory test driver).",
    ),
    cfg.DictOpt(
        "base_images",
        default={},
        help="Base images headnodes may be created from, as image name: libvirt domain "
        "name, e.g. centos7:haas-base-centos7, debian12:haas-base-debian12. Each base "
        "domain's disks must be volumes of a libvirt storage pool.",
    ),
    cfg.StrOpt(
        "storage_pool",
        default="default",
        help="libvirt storage pool that receives the clones of the base domains' disks.",
    ),
    cfg.StrOpt(
        "domain_prefix",
        default="haas-",
        help="A headnode's domain is named this prefix followed by the headnode's label.",
    ),
    cfg.StrOpt(
        "network_mode",
        default="bridge",
        choices=[
            ("bridge", "one Linux bridge per network, named by bridge_template"),
            ("ovs", "the Open vSwitch bridge ovs_bridge, with the network's VLAN as tag"),
        ],
        help="How a headnode's interfaces join their networks.",
    ),
    cfg.StrOpt(
        "bridge_template",
        default="br-vlan{network_id}",
        help="bridge mode: name of a network's bridge; {network_id} is the network's id "
        "(the VLAN number with the vlan_pool allocator). The bridges must exist.",
    ),
    cfg.StrOpt(
        "ovs_bridge",
        default="",
        help="ovs mode: the Open vSwitch bridge headnode interfaces are ports of, each "
        "tagged with its network's VLAN id.",
    ),
    cfg.StrOpt(
        "nic_model",
        default="virtio",
        help="Device model of headnode interfaces (virtio, e1000, rtl8139).",
    ),
]


def list_opts() -> list[tuple[str, list[cfg.Opt]]]:
    return [(GROUP, OPTS)]


@hookimpl
def haas_register_config_options(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(OPTS, group=GROUP)


@hookimpl
def haas_register_headnode_backends() -> list[type[HeadnodeBackend]]:
    from haas_plugins.headnodes.libvirt.backend import LibvirtBackend

    return [LibvirtBackend]
