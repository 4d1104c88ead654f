"""The headnode (small tenant VM) backend interface."""

from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True)
class HeadnodeNic:
    """An hnic as the backend sees it: ``network_id`` is the connected network's id on the
    wire (a VLAN number with ``vlan_pool``), None for an hnic without a network."""

    label: str
    network_id: str | None


@dataclass(frozen=True)
class HeadnodeVm:
    """What a backend knows of a headnode: its label, uuid (the VM's uuid too), base image
    and hnics, sorted by label."""

    label: str
    uuid: str
    base_img: str
    nics: tuple[HeadnodeNic, ...] = ()


class HeadnodeBackend(abc.ABC):
    """Creates, starts, stops and deletes headnode VMs. One instance per process, built
    with the ``ConfigOpts``; it must be safe to call from several threads.

    Every method that talks to the hypervisor raises
    :class:`haas_core.errors.HeadnodeError` when it fails, after undoing what it did.
    """

    name: ClassVar[str]

    @abc.abstractmethod
    def list_images(self) -> list[str]:
        """Names of the base images a headnode may be created from."""

    @abc.abstractmethod
    def check_label(self, label: str) -> None:
        """Refuse a headnode label the hypervisor could not use as a VM name.

        :raises BadArgumentError:
        """

    @abc.abstractmethod
    def check_network(self, network_id: str) -> None:
        """Refuse a network the backend could not attach an interface to.

        :raises BadArgumentError:
        """

    @abc.abstractmethod
    def start(self, vm: HeadnodeVm, first: bool) -> None:
        """Power the VM on (a running VM is left alone). ``first``: the headnode has never
        been started, so create its VM: clone the base image and give the clone one
        interface per hnic that has a network."""

    @abc.abstractmethod
    def stop(self, vm: HeadnodeVm) -> None:
        """Power the VM off (a stopped VM is left alone)."""

    @abc.abstractmethod
    def delete(self, vm: HeadnodeVm) -> None:
        """Destroy and undefine the VM with its storage; a VM never created is fine."""

    @abc.abstractmethod
    def vnc_port(self, vm: HeadnodeVm) -> int | None:
        """The running VM's VNC port, or None (not running, no VNC)."""
