"""A first pass through the default world (details live in the per-section tests)."""

from tests.support.app import Api


def test_admin_creates_project_and_lists_it(api: Api) -> None:
    assert api.put("/v0/project/p3").status_int == 200
    resp = api.get("/v0/projects")
    assert resp.status_int == 200
    assert resp.json == ["p1", "p2", "p3"]
    assert resp.content_type == "application/json"
