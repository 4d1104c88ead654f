"""Building a switch's driver from its row: decrypt the secrets, validate, instantiate."""

from __future__ import annotations

from haas_core.db.models import Switch
from haas_core.drivers import SwitchDriver
from haas_core.services import Services


def switch_driver(services: Services, switch: Switch) -> SwitchDriver:
    driver_cls = services.switch_drivers.get(switch.driver)
    info = services.secrets.open(switch.driver_info, driver_cls.secret_fields)
    return driver_cls(
        driver_cls.Info.model_validate(info),
        switch_id=switch.id,
        label=switch.label,
        database=services.db,
    )
