"""A node's out-of-band management: its in-process OBM driver, or HIL v0.4's obmd.

Shared by the API calls and the console service.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from haas_core.db import models as m
from haas_core.drivers import ObmDriver
from haas_core.errors import OBMError
from haas_core.services import Services

#: How long haas waits for obmd to answer a token request.
OBMD_TIMEOUT_SECONDS = 10.0
#: The URI schemes obmd is reached by.
OBMD_SCHEMES = ("http://", "https://")


def build_driver(services: Services, node: m.Node) -> ObmDriver:
    """The OBM driver of ``node``, built from its decrypted fields.

    :raises BadArgumentError: the node's OBM plugin is no longer enabled.
    """
    assert node.obm_driver is not None and node.obm_info is not None
    cls = services.obm_drivers.get(node.obm_driver)
    opened = services.secrets.open(node.obm_info, cls.secret_fields)
    return cls(cls.Info.model_validate(opened))


def _obmd_request(services: Services, node: m.Node, method: str) -> dict[str, Any]:
    """``<method> <obmd uri>/token`` as obmd's admin; the JSON answer. :raises OBMError:"""
    assert node.obmd_uri is not None and node.obmd_admin_token is not None
    admin_token = services.secrets.open_value(node.obmd_admin_token)
    credentials = base64.b64encode(f"admin:{admin_token}".encode()).decode()
    url = node.obmd_uri.rstrip("/") + "/token"
    if not url.startswith(OBMD_SCHEMES):
        raise OBMError(f"obmd URI of node {node.label} is not http(s)")
    request = urllib.request.Request(  # noqa: S310 (scheme checked above)
        url,
        method=method,
        headers={"Authorization": f"Basic {credentials}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=OBMD_TIMEOUT_SECONDS) as resp:  # noqa: S310
            body = resp.read()
    except urllib.error.HTTPError as exc:
        raise OBMError(
            f"obmd answered {exc.code} to {method} token for node {node.label}"
        ) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise OBMError(f"obmd for node {node.label} is unreachable: {reason}") from None
    if not body.strip():
        return {}
    try:
        data = json.loads(body)
    except ValueError:
        raise OBMError(f"obmd answered something other than JSON for node {node.label}") from None
    return data if isinstance(data, dict) else {}


def obmd_enable(services: Services, node: m.Node) -> None:
    """Ask obmd for a node token; store it (encrypted) on the node."""
    token = _obmd_request(services, node, "POST").get("token")
    if not isinstance(token, str) or not token:
        raise OBMError(f"obmd gave no token for node {node.label}")
    node.obmd_token = services.secrets.seal_value(token)
    node.obm_enabled = True


def obmd_disable(services: Services, node: m.Node) -> None:
    """Have obmd revoke the node's token, so no earlier holder keeps access."""
    _obmd_request(services, node, "DELETE")
    node.obmd_token = None
    node.obm_enabled = False


def obmd_location(services: Services, node: m.Node, call: str) -> str:
    """Where obmd serves ``call`` for the node: ``<uri>/<call>?token=<node token>``."""
    assert node.obmd_uri is not None and node.obmd_token is not None
    token = services.secrets.open_value(node.obmd_token)
    query = urllib.parse.urlencode({"token": token})
    return f"{node.obmd_uri.rstrip('/')}/{call}?{query}"
