"""Building a switch's driver from its row: decrypt the secrets, validate, instantiate.

Drivers are kept per version of the row: building one decrypts ``driver_info`` (Fernet)
and validates it (pydantic), about a tenth of a millisecond, and every
``connect_network`` and ``detach_network`` asks for its switch's driver. The key holds the
row's stored ``driver_info`` (its secrets as stored, encrypted), so a switch whose
settings change gets a new driver. Drivers are stateless (a connection lives in its
session), so one instance serves every thread.
"""

from __future__ import annotations

import json
import threading

from haas_core.db.models import Switch
from haas_core.drivers import SwitchDriver
from haas_core.services import Services

#: Most drivers kept per process; past it the cache starts over.
MAX_CACHED_DRIVERS = 4096

_cache_lock = threading.Lock()


def switch_driver(services: Services, switch: Switch) -> SwitchDriver:
    cache = services.switch_driver_cache
    key = (
        switch.id,
        switch.label,
        switch.driver,
        json.dumps(switch.driver_info, sort_keys=True),
    )
    driver = cache.get(key)
    if driver is None:
        driver = _build(services, switch)
        with _cache_lock:
            if len(cache) >= MAX_CACHED_DRIVERS:
                cache.clear()
            cache[key] = driver
    return driver


def _build(services: Services, switch: Switch) -> SwitchDriver:
    driver_cls = services.switch_drivers.get(switch.driver)
    info = services.secrets.open(switch.driver_info, driver_cls.secret_fields)
    return driver_cls(
        driver_cls.Info.model_validate(info),
        switch_id=switch.id,
        label=switch.label,
        database=services.db,
    )
