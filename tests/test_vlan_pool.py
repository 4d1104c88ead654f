"""The VLAN pool: filled idempotently from the configuration, ids handed out and returned."""

from __future__ import annotations

from sqlalchemy import select

from haas_core.services import Services
from haas_plugins.network_allocators.vlan_pool.models import PoolVlan
from tests.conftest import MakeServices


def pool(services: Services) -> dict[int, bool]:
    with services.db.session() as db:
        return {row.vlan_no: row.available for row in db.scalars(select(PoolVlan))}


def test_start_up_fills_the_pool_once(make_services: MakeServices) -> None:
    first = make_services()
    assert pool(first) == {**{v: True for v in range(100, 110)}, 300: True}
    second = make_services()  # a second process start changes nothing
    assert pool(second) == pool(first)


def test_reconfigured_pool_adds_new_ids_and_drops_free_ones_but_keeps_taken_ones(
    make_services: MakeServices,
) -> None:
    services = make_services()
    with services.db.session() as db, db.begin():
        services.allocator.claim(db, "105")
    changed = make_services({"network_allocator_vlan_pool": {"vlans": "200-201"}})
    assert pool(changed) == {105: False, 200: True, 201: True}
    # The dropped id leaves the pool for good once freed.
    with changed.db.session() as db, db.begin():
        changed.allocator.free(db, "105")
    assert pool(changed) == {200: True, 201: True}


def test_allocate_takes_the_lowest_free_id_and_free_returns_it(
    make_services: MakeServices,
) -> None:
    services = make_services({"network_allocator_vlan_pool": {"vlans": "7, 3-4"}})
    with services.db.session() as db, db.begin():
        taken = [services.allocator.allocate(db) for _ in range(3)]
    assert taken == ["3", "4", "7"]
    with services.db.session() as db, db.begin():
        services.allocator.free(db, "4")
    with services.db.session() as db, db.begin():
        assert services.allocator.allocate(db) == "4"


def test_channels_are_native_and_tagged_with_the_network_id(make_services: MakeServices) -> None:
    allocator = make_services().allocator
    assert allocator.default_channel() == "vlan/native"
    assert allocator.legal_channels_for("102") == ["vlan/native", "vlan/102"]
    assert allocator.is_legal_channel_for("vlan/102", "102")
    assert not allocator.is_legal_channel_for("vlan/103", "102")
    assert not allocator.is_legal_channel_for("vlan/native/x", "102")
