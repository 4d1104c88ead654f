"""Users of the database auth plugin (spec/api.md section 4, "Users"), authentication
(HTTP Basic, the null backend, ``require_authentication = false``) and the Misc calls
(version, active_extensions)."""

from __future__ import annotations

import base64
from typing import Any

import pytest
import webtest

from haas_core import __version__
from tests.conftest import USERS, MakeServices, seed_users
from tests.support.app import Api
from tests.support.assertions import assert_empty_ok, assert_error, assert_json

BASIC = 'Basic realm="haas"'
EVERYONE = {
    "admin": {"is_admin": True, "projects": []},
    "alice": {"is_admin": False, "projects": ["p1"]},
    "bob": {"is_admin": False, "projects": ["p2"]},
}


# ------------------------------------------------------------------ helpers


def assert_unauthenticated(resp: webtest.TestResponse) -> None:
    assert_error(resp, 401, "AuthorizationError")
    assert resp.headers["WWW-Authenticate"] == BASIC


def users(api: Api) -> dict[str, Any]:
    resp = api.get("/v0/auth/basic/users")
    assert resp.status_int == 200, resp.text
    return dict(resp.json)


def make_user(api: Api, name: str, password: str, **extra: Any) -> None:
    assert_empty_ok(api.put(f"/v0/auth/basic/user/{name}", {"password": password, **extra}))
    api.passwords[name] = password


def raw_auth(api: Api, path: str, header: str) -> webtest.TestResponse:
    return api.get(path, user=None, headers={"Authorization": header})


# ------------------------------------------------------------------ list_users


def test_list_users_shows_admin_flag_and_sorted_projects(api: Api) -> None:
    assert_json(api.get("/v0/auth/basic/users"), EVERYONE)


def test_list_users_sorts_each_users_projects(api: Api) -> None:
    for project in ("zz", "aa"):
        assert_empty_ok(api.put(f"/v0/project/{project}"))
        assert_empty_ok(api.post("/v0/auth/basic/user/bob/add_project", {"project": project}))
    assert users(api)["bob"] == {"is_admin": False, "projects": ["aa", "p2", "zz"]}


def test_list_users_is_admin_only(api: Api) -> None:
    assert_error(api.get("/v0/auth/basic/users", user="alice"), 403, "AuthorizationError")
    assert_unauthenticated(api.get("/v0/auth/basic/users", user=None))


# ------------------------------------------------------------------ user_create


def test_user_create_makes_a_non_admin_who_can_log_in(api: Api) -> None:
    make_user(api, "carol", "carol-pw")
    assert users(api) == {**EVERYONE, "carol": {"is_admin": False, "projects": []}}
    assert_json(api.get("/v0/version", user="carol"), {"version": __version__, "api": "v0"})
    assert_error(api.get("/v0/projects", user="carol"), 403, "AuthorizationError")


def test_user_create_with_admin_flag_makes_an_admin(api: Api) -> None:
    make_user(api, "root2", "pw", is_admin=True)
    assert users(api)["root2"] == {"is_admin": True, "projects": []}
    assert_json(api.get("/v0/projects", user="root2"), ["p1", "p2"])


def test_new_user_cannot_log_in_with_another_password(api: Api) -> None:
    make_user(api, "carol", "carol-pw")
    api.passwords["carol"] = "carol-pw2"
    assert_unauthenticated(api.get("/v0/version", user="carol"))


def test_user_create_of_existing_user_is_duplicate_and_keeps_the_password(api: Api) -> None:
    resp = api.put("/v0/auth/basic/user/alice", {"password": "new", "is_admin": True})
    assert_error(resp, 409, "DuplicateError", "User alice already exists.")
    assert users(api) == EVERYONE
    assert_json(api.get("/v0/project/p1/nodes", user="alice"), [])


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ({}, "password"),
        ({"is_admin": False}, "password"),
        ({"password": 123}, "password"),
        ({"password": "pw", "is_admin": "true"}, "is_admin"),
        ({"password": "pw", "is_admin": 1}, "is_admin"),
        ({"password": "pw", "projects": ["p1"]}, "projects"),
    ],
)
def test_user_create_schema_is_strict(api: Api, body: dict[str, Any], key: str) -> None:
    msg = assert_error(api.put("/v0/auth/basic/user/carol", body), 400, "ValidationError")
    assert f"'{key}'" in msg
    assert "carol" not in users(api)


def test_user_create_by_non_admin_is_forbidden(api: Api) -> None:
    resp = api.put("/v0/auth/basic/user/carol", {"password": "pw"}, user="alice")
    assert_error(resp, 403, "AuthorizationError")
    assert "carol" not in users(api)


# ------------------------------------------------------------------ user_delete


def test_user_delete_removes_the_user_and_their_access_at_once(api: Api) -> None:
    make_user(api, "carol", "pw", is_admin=True)
    assert_json(api.get("/v0/projects", user="carol"), ["p1", "p2"])  # credentials now cached
    assert_empty_ok(api.delete("/v0/auth/basic/user/carol"))
    assert users(api) == EVERYONE
    assert_unauthenticated(api.get("/v0/projects", user="carol"))


def test_user_delete_keeps_the_users_projects(api: Api) -> None:
    assert_empty_ok(api.delete("/v0/auth/basic/user/alice"))
    assert_json(api.get("/v0/projects"), ["p1", "p2"])
    assert_unauthenticated(api.get("/v0/version", user="alice"))


def test_user_delete_of_missing_user_is_not_found(api: Api) -> None:
    resp = api.delete("/v0/auth/basic/user/dave")
    assert_error(resp, 404, "NotFoundError", "User dave does not exist.")


def test_user_delete_by_non_admin_is_forbidden(api: Api) -> None:
    assert_error(api.delete("/v0/auth/basic/user/bob", user="alice"), 403, "AuthorizationError")
    assert users(api) == EVERYONE


def test_recreated_user_has_none_of_the_old_memberships(api: Api) -> None:
    assert_empty_ok(api.delete("/v0/auth/basic/user/alice"))
    make_user(api, "alice", "other-pw")
    assert users(api)["alice"] == {"is_admin": False, "projects": []}
    assert_error(api.get("/v0/project/p1/nodes", user="alice"), 403, "AuthorizationError")


# ------------------------------------------------------------------ user_add_project


def test_user_add_project_grants_project_access_at_once(api: Api) -> None:
    assert_error(api.get("/v0/project/p2/nodes", user="alice"), 403, "AuthorizationError")
    resp = api.post("/v0/auth/basic/user/alice/add_project", {"project": "p2"})
    assert_empty_ok(resp)
    assert users(api)["alice"] == {"is_admin": False, "projects": ["p1", "p2"]}
    assert_json(api.get("/v0/project/p2/nodes", user="alice"), [])


def test_user_add_project_twice_is_duplicate_error(api: Api) -> None:
    resp = api.post("/v0/auth/basic/user/alice/add_project", {"project": "p1"})
    assert_error(resp, 409, "DuplicateError")
    assert users(api) == EVERYONE


def test_user_add_project_of_missing_user_or_project_is_not_found(api: Api) -> None:
    resp = api.post("/v0/auth/basic/user/dave/add_project", {"project": "p1"})
    assert_error(resp, 404, "NotFoundError", "User dave does not exist.")
    resp = api.post("/v0/auth/basic/user/alice/add_project", {"project": "p9"})
    assert_error(resp, 404, "NotFoundError", "Project p9 does not exist.")
    assert users(api) == EVERYONE


@pytest.mark.parametrize(
    ("body", "key"),
    [({}, "project"), ({"project": 2}, "project"), ({"project": "p2", "x": 1}, "x")],
)
def test_user_add_project_schema_is_strict(api: Api, body: dict[str, Any], key: str) -> None:
    resp = api.post("/v0/auth/basic/user/alice/add_project", body)
    assert f"'{key}'" in assert_error(resp, 400, "ValidationError")
    assert users(api) == EVERYONE


def test_user_add_project_by_non_admin_is_forbidden(api: Api) -> None:
    resp = api.post("/v0/auth/basic/user/alice/add_project", {"project": "p2"}, user="alice")
    assert_error(resp, 403, "AuthorizationError")
    assert users(api) == EVERYONE


# ------------------------------------------------------------------ user_remove_project


def test_user_remove_project_ends_project_access_at_once(api: Api) -> None:
    assert_json(api.get("/v0/project/p1/nodes", user="alice"), [])  # credentials now cached
    resp = api.post("/v0/auth/basic/user/alice/remove_project", {"project": "p1"})
    assert_empty_ok(resp)
    assert users(api)["alice"] == {"is_admin": False, "projects": []}
    assert_error(api.get("/v0/project/p1/nodes", user="alice"), 403, "AuthorizationError")
    assert_json(api.get("/v0/projects"), ["p1", "p2"])


def test_user_remove_project_the_user_is_not_in_is_not_found(api: Api) -> None:
    resp = api.post("/v0/auth/basic/user/alice/remove_project", {"project": "p2"})
    assert_error(resp, 404, "NotFoundError")
    assert users(api) == EVERYONE


def test_user_remove_project_of_missing_user_or_project_is_not_found(api: Api) -> None:
    resp = api.post("/v0/auth/basic/user/dave/remove_project", {"project": "p1"})
    assert_error(resp, 404, "NotFoundError", "User dave does not exist.")
    resp = api.post("/v0/auth/basic/user/alice/remove_project", {"project": "p9"})
    assert_error(resp, 404, "NotFoundError", "Project p9 does not exist.")


def test_user_remove_project_missing_key_is_a_validation_error(api: Api) -> None:
    resp = api.post("/v0/auth/basic/user/alice/remove_project", {})
    assert "'project'" in assert_error(resp, 400, "ValidationError")


def test_user_remove_project_by_non_admin_is_forbidden(api: Api) -> None:
    resp = api.post("/v0/auth/basic/user/alice/remove_project", {"project": "p1"}, user="alice")
    assert_error(resp, 403, "AuthorizationError")
    assert users(api) == EVERYONE


# ------------------------------------------------------------------ user_set_admin


def test_user_set_admin_promotes_and_demotes_at_once(api: Api) -> None:
    assert_error(api.get("/v0/projects", user="bob"), 403, "AuthorizationError")
    assert_empty_ok(api.patch("/v0/auth/basic/user/bob", {"is_admin": True}))
    assert users(api)["bob"] == {"is_admin": True, "projects": ["p2"]}
    assert_json(api.get("/v0/projects", user="bob"), ["p1", "p2"])
    assert_empty_ok(api.patch("/v0/auth/basic/user/bob", {"is_admin": False}))
    assert users(api)["bob"] == {"is_admin": False, "projects": ["p2"]}
    assert_error(api.get("/v0/projects", user="bob"), 403, "AuthorizationError")


def test_user_set_admin_to_the_current_value_is_accepted(api: Api) -> None:
    assert_empty_ok(api.patch("/v0/auth/basic/user/bob", {"is_admin": False}))
    assert users(api) == EVERYONE


@pytest.mark.parametrize("flag", [True, False])
def test_user_set_admin_on_own_account_is_illegal(api: Api, flag: bool) -> None:
    resp = api.patch("/v0/auth/basic/user/admin", {"is_admin": flag})
    assert_error(resp, 409, "IllegalStateError")
    assert users(api)["admin"]["is_admin"] is True


def test_promoted_admin_still_cannot_change_own_flag(api: Api) -> None:
    assert_empty_ok(api.patch("/v0/auth/basic/user/bob", {"is_admin": True}))
    resp = api.patch("/v0/auth/basic/user/bob", {"is_admin": False}, user="bob")
    assert_error(resp, 409, "IllegalStateError")
    assert_empty_ok(api.patch("/v0/auth/basic/user/admin", {"is_admin": False}, user="bob"))
    listed = api.get("/v0/auth/basic/users", user="bob").json
    assert listed["admin"]["is_admin"] is False
    assert listed["bob"]["is_admin"] is True
    assert_error(api.get("/v0/projects", user="admin"), 403, "AuthorizationError")


def test_user_set_admin_of_missing_user_is_not_found(api: Api) -> None:
    resp = api.patch("/v0/auth/basic/user/dave", {"is_admin": True})
    assert_error(resp, 404, "NotFoundError", "User dave does not exist.")


@pytest.mark.parametrize(
    ("body", "key"),
    [({}, "is_admin"), ({"is_admin": "yes"}, "is_admin"), ({"is_admin": None}, "is_admin")],
)
def test_user_set_admin_schema_is_strict(api: Api, body: dict[str, Any], key: str) -> None:
    resp = api.patch("/v0/auth/basic/user/bob", body)
    assert f"'{key}'" in assert_error(resp, 400, "ValidationError")
    assert users(api) == EVERYONE


def test_user_set_admin_on_self_by_non_admin_is_forbidden(api: Api) -> None:
    resp = api.patch("/v0/auth/basic/user/alice", {"is_admin": True}, user="alice")
    assert_error(resp, 403, "AuthorizationError")
    assert users(api) == EVERYONE


# ------------------------------------------------------------------ HTTP Basic authentication


def test_unknown_user_and_wrong_password_get_the_same_401(api: Api) -> None:
    unknown = raw_auth(api, "/v0/version", "Basic " + base64.b64encode(b"mallory:pw").decode())
    wrong = raw_auth(api, "/v0/version", "Basic " + base64.b64encode(b"alice:nope").decode())
    for resp in (unknown, wrong):
        assert_unauthenticated(resp)
    assert unknown.json == wrong.json
    assert unknown.headers["Content-Type"] == wrong.headers["Content-Type"]


def test_no_credentials_is_401_with_www_authenticate(api: Api) -> None:
    assert_unauthenticated(api.get("/v0/version", user=None))
    assert_unauthenticated(api.get("/v0/networks", user=None))


@pytest.mark.parametrize(
    "header",
    ["Bearer abc", "Basic !!!not-base64!!!", "Basic " + base64.b64encode(b"no-colon").decode()],
)
def test_malformed_credentials_are_401(api: Api, header: str) -> None:
    assert_unauthenticated(raw_auth(api, "/v0/version", header))


def test_password_may_contain_a_colon(api: Api) -> None:
    make_user(api, "carol", "pa:ss:word")
    assert_json(api.get("/v0/version", user="carol"), {"version": __version__, "api": "v0"})


def test_forbidden_answer_carries_no_www_authenticate(api: Api) -> None:
    resp = api.get("/v0/projects", user="alice")
    assert_error(resp, 403, "AuthorizationError")
    assert "WWW-Authenticate" not in resp.headers


def test_bad_credentials_are_refused_before_the_body_is_read(api: Api) -> None:
    resp = api.put("/v0/auth/basic/user/carol", raw=b"{not json", user="mallory")
    assert_unauthenticated(resp)
    resp = api.put("/v0/auth/basic/user/carol", raw=b"{not json", user="alice")
    assert_error(resp, 403, "AuthorizationError")


# ------------------------------------------------------------------ the null auth backend


@pytest.fixture
def null_auth_api(make_services: MakeServices) -> Api:
    return Api(make_services({"plugins": {"auth": "null"}}))


def test_null_auth_makes_anonymous_callers_admins(null_auth_api: Api) -> None:
    api = null_auth_api
    assert_empty_ok(api.put("/v0/project/p3", user=None))
    assert_json(api.get("/v0/projects", user=None), ["p3"])
    assert_empty_ok(
        api.put("/v0/network/pub", {"owner": "admin", "access": "", "net_id": ""}, user=None)
    )
    assert_json(
        api.get("/v0/networks", user=None), {"pub": {"network_id": "100", "projects": None}}
    )


def test_null_auth_ignores_whatever_credentials_are_sent(null_auth_api: Api) -> None:
    api = null_auth_api
    assert_json(api.get("/v0/projects", user="nobody"), [])
    assert_json(raw_auth(api, "/v0/projects", "Bearer garbage"), [])


def test_null_auth_has_no_user_management_calls(null_auth_api: Api) -> None:
    assert_error(null_auth_api.get("/v0/auth/basic/users", user=None), 404, "NotFoundError")
    resp = null_auth_api.put("/v0/auth/basic/user/carol", {"password": "pw"}, user=None)
    assert_error(resp, 404, "NotFoundError")


def test_null_auth_is_listed_as_the_active_auth_extension(null_auth_api: Api) -> None:
    exts = null_auth_api.get("/v0/active_extensions", user=None).json
    assert "haas.auth.null" in exts
    assert "haas.auth.database" not in exts


# ------------------------------------------------------------------ require_authentication = false


@pytest.fixture
def open_api(make_services: MakeServices) -> Api:
    services = make_services({"api": {"require_authentication": "false"}})
    seed_users(services, USERS)
    api = Api(services, {name: pw for name, (pw, _, _) in USERS.items()})
    body = {"owner": "admin", "access": "", "net_id": ""}
    assert_empty_ok(api.put("/v0/network/pub", body))
    assert_empty_ok(api.put("/v0/network/mine", {"owner": "p1", "access": "p1", "net_id": ""}))
    assert_empty_ok(
        api.put(
            "/v0/node/free1", {"obm": {"type": "mock", "host": "h", "user": "u", "password": "p"}}
        )
    )
    return api


def test_open_api_lets_anonymous_callers_make_any_calls(open_api: Api) -> None:
    assert_json(open_api.get("/v0/version", user=None), {"version": __version__, "api": "v0"})
    assert_json(
        open_api.get("/v0/networks", user=None), {"pub": {"network_id": "100", "projects": None}}
    )
    assert open_api.get("/v0/network/pub", user=None).json["name"] == "pub"
    assert_json(open_api.get("/v0/nodes/free", user=None), ["free1"])
    node = open_api.get("/v0/node/free1", user=None).json
    assert node == {"name": "free1", "project": None, "nics": [], "metadata": {}}


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/v0/projects", None),
        ("PUT", "/v0/project/p3", None),
        ("GET", "/v0/auth/basic/users", None),
        ("GET", "/v0/active_extensions", None),
        ("PUT", "/v0/network/x", {"owner": "admin", "access": "", "net_id": ""}),
        ("GET", "/v0/network/mine", None),
        ("GET", "/v0/project/p1/nodes", None),
    ],
)
def test_open_api_still_refuses_anonymous_callers_what_needs_a_role(
    open_api: Api, method: str, path: str, body: dict[str, Any] | None
) -> None:
    resp = open_api.request(method, path, body, user=None)
    assert_unauthenticated(resp)
    assert_json(open_api.get("/v0/projects"), ["p1", "p2"])
    assert set(open_api.get("/v0/networks").json) == {"mine", "pub"}


def test_open_api_still_checks_credentials_that_are_sent(open_api: Api) -> None:
    assert_unauthenticated(open_api.get("/v0/version", user="mallory"))
    assert_json(open_api.get("/v0/project/p1/nodes", user="alice"), [])
    assert_error(open_api.get("/v0/project/p1/nodes", user="bob"), 403, "AuthorizationError")


# ------------------------------------------------------------ Misc: version, active_extensions


@pytest.mark.parametrize("user", ["admin", "alice", "bob"])
def test_version_answers_every_authenticated_caller(api: Api, user: str) -> None:
    assert_json(api.get("/v0/version", user=user), {"version": __version__, "api": "v0"})


def test_version_answers_without_the_v0_prefix(api: Api) -> None:
    assert_json(api.get("/version", user="alice"), {"version": __version__, "api": "v0"})


def test_active_extensions_lists_the_enabled_plugins_sorted(api: Api) -> None:
    assert_json(
        api.get("/v0/active_extensions"),
        [
            "haas.auth.database",
            "haas.network_allocators.vlan_pool",
            "haas.obm.mock",
            "haas.switches.mock",
        ],
    )


def test_active_extensions_follow_the_configuration(make_services: MakeServices) -> None:
    api = Api(make_services({"plugins": {"auth": "null", "network_allocator": "null"}}))
    assert_json(
        api.get("/v0/active_extensions", user=None),
        ["haas.auth.null", "haas.network_allocators.null", "haas.obm.mock", "haas.switches.mock"],
    )


def test_active_extensions_is_admin_only(api: Api) -> None:
    assert_error(api.get("/v0/active_extensions", user="alice"), 403, "AuthorizationError")
    assert_unauthenticated(api.get("/v0/active_extensions", user=None))
