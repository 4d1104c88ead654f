"""Building a switch's driver from its row: decrypt the secrets, validate, instantiate."""

from __future__ import annotations

from typing import Any

from haas_core.db.models import Switch
from haas_core.drivers import SwitchDriver
from haas_core.services import Services


def switch_driver(services: Services, switch: Switch) -> SwitchDriver:
    return build_switch_driver(
        services, switch.id, switch.label, switch.driver, switch.driver_info
    )


def build_switch_driver(
    services: Services, switch_id: int, label: str, driver: str, driver_info: dict[str, Any]
) -> SwitchDriver:
    """The driver of a switch given its columns (for callers that read them without
    loading the row as an object)."""
    driver_cls = services.switch_drivers.get(driver)
    info = services.secrets.open(driver_info, driver_cls.secret_fields)
    return driver_cls(
        driver_cls.Info.model_validate(info),
        switch_id=switch_id,
        label=label,
        database=services.db,
    )
