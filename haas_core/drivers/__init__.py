"""The small abstract classes every backend implements.

A plugin returns its driver classes from a ``haas_register_*`` hook; the core
instantiates them. Import the classes from here.
"""

from haas_core.drivers.allocator import NetworkAllocator
from haas_core.drivers.auth import AuthBackend, Identity
from haas_core.drivers.base import Driver, DriverInfo
from haas_core.drivers.headnode import HeadnodeBackend, HeadnodeNic, HeadnodeVm
from haas_core.drivers.obm import ConsoleCommand, ObmDriver, ObmNode
from haas_core.drivers.switch import SwitchDriver, SwitchSession

__all__ = [
    "AuthBackend",
    "ConsoleCommand",
    "Driver",
    "DriverInfo",
    "HeadnodeBackend",
    "HeadnodeNic",
    "HeadnodeVm",
    "Identity",
    "NetworkAllocator",
    "ObmDriver",
    "ObmNode",
    "SwitchDriver",
    "SwitchSession",
]
