"""Concurrent requests cannot break the invariants: the schema and the pool hold."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tests.support.app import Api

POOL_SIZE = 11  # tests configure vlans 100-109, 300


def _create_networks(api: Api, names: list[str]) -> list[tuple[int, dict | None]]:
    def create(name: str) -> tuple[int, dict | None]:
        resp = api.put(f"/v0/network/{name}", {"owner": "admin", "access": "", "net_id": ""})
        return resp.status_int, (resp.json if resp.body else None)

    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(create, names))


def test_concurrent_network_creation_never_shares_an_id_and_exhausts_cleanly(api: Api) -> None:
    results = _create_networks(api, [f"net{i:02d}" for i in range(20)])
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] * POOL_SIZE + [409] * (20 - POOL_SIZE)
    assert {body["type"] for status, body in results if status == 409} == {"AllocationError"}
    networks = api.get("/v0/networks").json
    ids = [net["network_id"] for net in networks.values()]
    assert len(networks) == POOL_SIZE
    assert sorted(ids, key=int) == [str(v) for v in [*range(100, 110), 300]]


def test_concurrent_creation_of_one_label_makes_exactly_one(api: Api) -> None:
    def create(_: int) -> int:
        return api.put("/v0/project/same").status_int

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = sorted(pool.map(create, range(16)))
    assert statuses == [200] + [409] * 15
    assert api.get("/v0/projects").json == ["p1", "p2", "same"]
