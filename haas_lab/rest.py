"""HTTP emulators for the REST switch dialects: Brocade VDX (NOS REST) and Dell OS9 (RESTCONF).

Each emulated switch gets its own :class:`http.server.ThreadingHTTPServer` on 127.0.0.1 with HTTP
basic auth, backed by the same :class:`haas_lab.switch.EmulatedSwitch` state as the CLI
emulators, so every change is applied to the switch's OVS port.

Brocade (XML, namespace ``urn:brocade.com:mgmt:brocade-interface``), the interface
``/rest/config/running/interface/<type>/%22<port>%22`` and under it ``/switchport``:

* ``POST`` to the interface (body ``<switchport/>``): enable switching; 409 when already
  enabled. ``DELETE .../switchport`` disables it.
* ``GET|PUT .../mode`` ``<mode><vlan-mode>access|trunk</vlan-mode></mode>``.
* ``GET|PUT .../access`` ``<access><vlan>N</vlan></access>``.
* ``GET .../trunk``; ``PUT .../trunk`` ``<trunk><native-vlan>N</native-vlan></trunk>``;
  ``DELETE .../trunk/native-vlan``; ``PUT|DELETE .../trunk/tag/native-vlan`` (404 when unset).
* ``PUT .../trunk/allowed/vlan`` ``<vlan><add>|<remove>|<none>true|<all>true</vlan>``.

Dell OS9 (namespace ``http://www.dell.com/ns/dell:0.1/root``):

* ``POST /api/running/dell/_operations/cli`` with ``<input><config-commands>`` (lines such as
  ``interface vlan N`` / ``tagged TenGigabitEthernet 1/1`` / ``no untagged ...``),
  ``<show-command>`` (``interfaces switchport <type> <port>``, ``running-config``) or
  ``<exec-command>`` (``write``).
* ``GET|PUT /api/running/dell/interfaces/interface/<tengig-1-1>``: ``name``,
  ``portmode/hybrid``, ``switchport``, ``shutdown``.
"""

from __future__ import annotations

import base64
import hmac
import logging
import re
import threading
import xml.etree.ElementTree as ET
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

from haas_lab.fabric import FabricError
from haas_lab.switch import ALL_VLANS, EmulatedSwitch, PortConfig, format_vlans, parse_vlans

LOG = logging.getLogger(__name__)

BROCADE_NS = "urn:brocade.com:mgmt:brocade-interface"
DELL_NS = "http://www.dell.com/ns/dell:0.1/root"
DELL_IFTYPES = {
    "gige-": "GigabitEthernet",
    "tengig-": "TenGigabitEthernet",
    "twentyfivegig-": "TwentyfiveGigabitEthernet",
    "fortygig-": "fortyGigE",
    "fiftygig-": "FiftyGigabitEthernet",
    "hundredgig-": "HundredGigabitEthernet",
}
REST_DIALECTS = ("brocade", "dellnos9")


class RestError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _xml(body: bytes) -> ET.Element:
    try:
        # Local lab clients only; the payloads are a handful of elements.
        root = ET.fromstring(body)  # noqa: S314
    except ET.ParseError as exc:
        raise RestError(400, f"malformed XML: {exc}") from exc
    for el in root.iter():  # drop namespaces: clients send them or not
        el.tag = el.tag.rsplit("}", 1)[-1]
    return root


def _text(root: ET.Element, path: str) -> str | None:
    el = root.find(path)
    return None if el is None else (el.text or "").strip()


def _vlan(text: str | None) -> int:
    if text is None or not text.isdigit() or not 1 <= int(text) <= 4094:
        raise RestError(400, f"invalid VLAN {text!r}")
    return int(text)


class _Handler(BaseHTTPRequestHandler):
    """Shared HTTP plumbing: auth, latency, error bodies; dialects implement ``route``."""

    switch: EmulatedSwitch
    interface_type: str
    server_version = "lab-switch"
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        LOG.debug("%s: " + format, self.switch.name, *args)

    def _authorized(self) -> bool:
        header = self.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        return hmac.compare_digest(user, self.switch.username) and hmac.compare_digest(
            password, self.switch.password
        )

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if not self._authorized():
            self._send(401, "Authentication failed", {"WWW-Authenticate": 'Basic realm="switch"'})
            return
        if self.switch.command_delay:
            threading.Event().wait(self.switch.command_delay)
        try:
            status, text = self.route(self.command, urlsplit(self.path).path, body)
        except RestError as exc:
            status, text = exc.status, self.error_body(exc.message)
        except FabricError as exc:
            LOG.error("%s: %s", self.switch.name, exc)
            status, text = 500, self.error_body(f"% Error: hardware programming failed: {exc}")
        self._send(status, text)

    do_GET = do_PUT = do_POST = do_DELETE = do_PATCH = _handle

    def _send(self, status: int, text: str, headers: dict[str, str] | None = None) -> None:
        data = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def route(self, method: str, path: str, body: bytes) -> tuple[int, str]:
        raise NotImplementedError

    def error_body(self, message: str) -> str:
        raise NotImplementedError

    def port(self, label: str) -> PortConfig:
        try:
            return self.switch.ports[label]
        except KeyError:
            raise RestError(404, f"%Error: Invalid interface {label}") from None


# -- Brocade ----------------------------------------------------------------------------------

_BROCADE_PATH = re.compile(
    r"^/rest/config/running/interface/(?P<type>[A-Za-z]+)/(?P<port>\"[^\"]+\"|[^/]+)"
    r"(?P<rest>/.*)?$"
)


class _BrocadeHandler(_Handler):
    def error_body(self, message: str) -> str:
        return (
            '<errors xmlns="http://brocade.com/ns/rest"><error>'
            "<error-type>application</error-type><error-tag>invalid-value</error-tag>"
            f"<error-message>{escape(message)}</error-message></error></errors>"
        )

    def route(self, method: str, path: str, body: bytes) -> tuple[int, str]:
        m = _BROCADE_PATH.match(unquote(path))
        if not m or m.group("type") != self.interface_type:
            raise RestError(404, f"%Error: no such resource {path}")
        label = m.group("port").strip('"')
        p = self.port(label)
        rest = (m.group("rest") or "").rstrip("/")
        if rest == "" and method == "POST":
            # Enabling switching creates the interface's switchport child (NOS REST: POST
            # to the parent with the new child as the body).
            if _xml(body).tag != "switchport":
                raise RestError(400, "%Error: expected <switchport>")
        elif rest == "/switchport" and method == "POST":
            raise RestError(405, "POST creates a child of the interface, not of switchport")
        elif not rest.startswith("/switchport") and not (method == "GET" and rest == ""):
            raise RestError(404, f"%Error: no such resource {path}")
        sub = rest[len("/switchport") :]
        with self.switch.lock:
            status, text = self._switchport(method, sub, body, label, p)
        if method != "GET":
            self.switch.apply(label)
        return status, text

    def _switchport(
        self, method: str, sub: str, body: bytes, label: str, p: PortConfig
    ) -> tuple[int, str]:
        if method == "GET":
            return 200, self._show(sub, p)
        if sub == "" and method == "POST":
            if p.switchport:
                raise RestError(409, "Object already exists")
            p.switchport = True
            return 201, ""
        if sub == "" and method == "DELETE":
            p.switchport = False
            return 204, ""
        if not p.switchport:
            raise RestError(400, f"%Error: Interface {label} is not in L2 mode")
        if sub == "/mode" and method in ("PUT", "PATCH"):
            mode = _text(_xml(body), "vlan-mode")
            if mode not in ("access", "trunk"):
                raise RestError(400, f"invalid vlan-mode {mode!r}")
            p.mode = mode
        elif sub == "/access" and method in ("PUT", "PATCH"):
            p.access_vlan = _vlan(_text(_xml(body), "vlan"))
        elif sub == "/trunk" and method in ("PUT", "PATCH"):
            p.native = _vlan(_text(_xml(body), "native-vlan"))
        elif sub == "/trunk/native-vlan" and method == "DELETE":
            p.native = None
        elif sub == "/trunk/tag/native-vlan":
            if method == "DELETE" and not p.native_tagged:
                raise RestError(404, "Object not found")
            p.native_tagged = method != "DELETE"
        elif sub == "/trunk/allowed/vlan" and method in ("PUT", "PATCH"):
            self._allowed(_xml(body), p)
        else:
            raise RestError(405 if sub in ("/mode", "/access", "/trunk") else 404, "bad request")
        return 204, ""

    @staticmethod
    def _allowed(root: ET.Element, p: PortConfig) -> None:
        if p.mode != "trunk":
            raise RestError(400, "%Error: Interface is not in trunk mode")
        try:
            if (add := _text(root, "add")) is not None:
                p.allowed |= parse_vlans(add)
            elif (remove := _text(root, "remove")) is not None:
                p.allowed -= parse_vlans(remove)
            elif _text(root, "none") == "true":
                p.allowed = set()
            elif _text(root, "all") == "true":
                p.allowed = set(ALL_VLANS)
            else:
                raise RestError(400, "expected add, remove, none or all")
        except ValueError as exc:
            raise RestError(400, f"%Error: {exc}") from exc

    def _show(self, sub: str, p: PortConfig) -> str:
        ns = f'xmlns="{BROCADE_NS}"'
        mode = f"<vlan-mode>{p.mode}</vlan-mode>"
        access = f"<vlan>{p.access_vlan}</vlan>"
        allowed = f"<add>{format_vlans(p.allowed)}</add>" if p.allowed else "<none>true</none>"
        trunk = f"<allowed><vlan>{allowed}</vlan></allowed>"
        if p.native_tagged:
            trunk += "<tag><native-vlan>true</native-vlan></tag>"
        if p.native is not None:
            trunk += f"<native-vlan>{p.native}</native-vlan>"
        parts = {
            "/mode": f"<mode {ns}>{mode}</mode>",
            "/access": f"<access {ns}>{access}</access>",
            "/trunk": f"<trunk {ns}>{trunk}</trunk>",
        }
        if sub in parts:
            return parts[sub]
        if sub == "" and p.switchport:
            return (
                f"<switchport {ns}><mode>{mode}</mode><access>{access}</access>"
                f"<trunk>{trunk}</trunk></switchport>"
            )
        raise RestError(404, "Object not found")


# -- Dell OS9 ---------------------------------------------------------------------------------


class _DellHandler(_Handler):
    def error_body(self, message: str) -> str:
        return (
            "<rpc-reply><rpc-error><error-type>application</error-type>"
            "<error-tag>operation-failed</error-tag>"
            f"<error-message>{escape(message)}</error-message></rpc-error></rpc-reply>"
        )

    def route(self, method: str, path: str, body: bytes) -> tuple[int, str]:
        path = unquote(path).rstrip("\\/")
        if path == "/api/running/dell/_operations/cli" and method == "POST":
            return self._cli(_xml(body))
        prefix = "/api/running/dell/interfaces/interface/"
        if path.startswith(prefix):
            label = self._label(path[len(prefix) :])
            if method == "GET":
                return 200, self._interface_xml(label)
            if method in ("PUT", "PATCH"):
                self._put_interface(label, _xml(body))
                return 204, ""
        raise RestError(404, f"no such resource {path}")

    def _label(self, name: str) -> str:
        for prefix, iftype in DELL_IFTYPES.items():
            if name.startswith(prefix) and iftype == self.interface_type:
                label = name[len(prefix) :].replace("-", "/")
                self.port(label)
                return label
        raise RestError(404, f"% Error: No such interface {name}")

    def _wire_name(self, label: str) -> str:
        prefix = next(k for k, v in DELL_IFTYPES.items() if v == self.interface_type)
        return prefix + label.replace("/", "-")

    def _interface_xml(self, label: str) -> str:
        p = self.port(label)
        hybrid = "true" if p.mode == "trunk" else "false"
        switchport = "<switchport/>" if p.switchport else ""
        return (
            f'<interface xmlns="{DELL_NS}"><name>{self._wire_name(label)}</name>'
            f"<portmode><hybrid>{hybrid}</hybrid></portmode>{switchport}"
            f"<shutdown>{'true' if p.shutdown else 'false'}</shutdown></interface>"
        )

    def _put_interface(self, label: str, root: ET.Element) -> None:
        p = self.port(label)
        with self.switch.lock:
            hybrid = _text(root, "portmode/hybrid")
            if hybrid is not None:
                self._set_hybrid(p, hybrid == "true")
            if root.find("switchport") is not None:
                p.switchport = True
            shutdown = _text(root, "shutdown")
            if shutdown is not None:
                p.shutdown = shutdown == "true"
        self.switch.apply(label)

    @staticmethod
    def _set_hybrid(p: PortConfig, hybrid: bool) -> None:
        if hybrid and p.mode != "trunk":
            p.mode, p.native, p.allowed = "trunk", p.access_vlan, {p.access_vlan}
        elif not hybrid and p.mode == "trunk":
            if p.allowed - {p.native}:
                raise RestError(400, "% Error: Port is a tagged member of a VLAN.")
            p.mode, p.access_vlan = "access", p.native or 1

    # The CLI-over-REST endpoint.

    def _cli(self, root: ET.Element) -> tuple[int, str]:
        if root.tag != "input" or len(root) != 1:
            raise RestError(400, "expected <input> with one command element")
        kind, text = root[0].tag, root[0].text or ""
        if kind == "config-commands":
            self._config(text)
            return 200, f'<output xmlns="{DELL_NS}"></output>'
        if kind == "show-command":
            out = self._show(text.strip())
        elif kind == "exec-command" and text.strip() in (
            "write",
            "write memory",
            "copy running-config startup-config",
        ):
            self.switch.startup_config = self._running_config()
            self.switch.saves += 1
            out = "Copy completed successfully."
        else:
            raise RestError(400, f'% Error: Invalid input at "^" marker: {text.strip()}')
        echo = ("show " if kind == "show-command" else "") + text.strip()
        body = f"{echo}\n\n{out}\n\n{self.switch.name}#".replace("\n", "\r\n")
        return 200, f'<output xmlns="{DELL_NS}">\n<command>{escape(body)}</command>\n</output>\n'

    def _config(self, text: str) -> None:
        vlan: int | None = None
        port: str | None = None
        for raw in re.split(r"\r?\n", text):
            line = raw.strip()
            if not line:
                continue
            words = line.split()
            neg = words[0] == "no"
            if neg:
                words = words[1:]
            if words[:2] == ["interface", "vlan"] and len(words) == 3 and not neg:
                vlan, port = _vlan(words[2]), None
                self.switch.vlans.add(vlan)
            elif words[:1] == ["interface"] and len(words) == 3 and not neg:
                port, vlan = self._cli_port(words[1], words[2]), None
            elif words == ["exit"]:
                vlan = port = None
            elif vlan is not None and len(words) == 3 and words[0] in ("tagged", "untagged"):
                label = self._cli_port(words[1], words[2])
                self._membership(vlan, label, words[0] == "tagged", neg)
            elif vlan is not None and words[:1] == ["name"]:
                pass
            elif port is not None and words in (["switchport"], ["shutdown"]):
                p = self.port(port)
                if words == ["switchport"]:
                    p.switchport = not neg
                else:
                    p.shutdown = not neg
                self.switch.apply(port)
            elif port is not None and words == ["portmode", "hybrid"]:
                self._set_hybrid(self.port(port), not neg)
                self.switch.apply(port)
            else:
                raise RestError(400, f'% Error: Invalid input at "^" marker: {line}')

    def _cli_port(self, iftype: str, label: str) -> str:
        if iftype != self.interface_type:
            raise RestError(400, f"% Error: Invalid interface {iftype} {label}")
        self.port(label)
        return label

    def _membership(self, vlan: int, label: str, tagged: bool, remove: bool) -> None:
        p = self.port(label)
        with self.switch.lock:
            if not p.switchport:
                raise RestError(400, f"% Error: Port is not in Layer-2 mode {label}.")
            if tagged:
                if not remove and p.mode != "trunk":
                    raise RestError(400, f"% Error: Port {label} is not in hybrid mode.")
                if remove:
                    p.allowed.discard(vlan)
                else:
                    p.allowed.add(vlan)
            elif p.mode != "trunk":
                p.access_vlan = 1 if remove else vlan
            elif remove:
                if p.native == vlan:
                    p.native = None
                    p.allowed.discard(vlan)
            else:
                if p.native not in (None, 1, vlan):
                    raise RestError(
                        400, f"% Error: Port is untagged in another Vlan ({p.native})."
                    )
                if p.native is not None:
                    p.allowed.discard(p.native)
                p.native = vlan
                p.allowed.add(vlan)
        self.switch.apply(label)

    def _show(self, command: str) -> str:
        words = command.split()
        if words[:2] == ["interfaces", "switchport"] and len(words) == 4:
            label = self._cli_port(words[2], words[3])
            return self._switchport(label, self.port(label))
        if words == ["running-config"]:
            return self._running_config()
        if words == ["startup-config"]:
            return self.switch.startup_config or ""
        raise RestError(400, f'% Error: Invalid input at "^" marker: show {command}')

    def _switchport(self, label: str, p: PortConfig) -> str:
        if p.mode == "trunk":
            untagged = p.native
            tagged = p.allowed - {p.native}
            q = "Hybrid"
        else:
            untagged, tagged, q = p.access_vlan, set(), "False"
        rows = f"U       {untagged}\n" if untagged else ""
        rows += f"T       {format_vlans(tagged)}\n" if tagged else ""
        native = f"Native Vlan Id: {untagged}.\n" if untagged else ""
        return (
            "Codes:  U - Untagged, T - Tagged\n"
            "        x - Dot1x untagged, X - Dot1x tagged\n"
            "        G - GVRP tagged, M - Trunk\n"
            "        i - Internal untagged, I - Internal tagged, v - VLT untagged, "
            "V - VLT tagged\n\n"
            f"Name: {self.interface_type} {label}\n"
            f"802.1QTagged: {q}\n"
            "Vlan membership:\n"
            "Q       Vlans\n"
            f"{rows}\n{native}"
        )

    def _running_config(self) -> str:
        out = [f"hostname {self.switch.name}", "!"]
        for label, p in self.switch.ports.items():
            out.append(f"interface {self.interface_type} {label}")
            out.append(" no ip address")
            if p.mode == "trunk":
                out.append(" portmode hybrid")
            if p.switchport:
                out.append(" switchport")
            out.append(" shutdown" if p.shutdown else " no shutdown")
            out.append("!")
        for vlan in sorted(self.switch.vlans - {1}):
            out.append(f"interface Vlan {vlan}")
            tagged = [
                lbl for lbl, p in self.switch.ports.items() if vlan in p.allowed - {p.native}
            ]
            untagged = [
                lbl for lbl, p in self.switch.ports.items()
                if (p.native if p.mode == "trunk" else p.access_vlan) == vlan
            ]  # fmt: skip
            if tagged:
                out.append(f" tagged {self.interface_type} {','.join(tagged)}")
            if untagged:
                out.append(f" untagged {self.interface_type} {','.join(untagged)}")
            out.append(" no shutdown")
            out.append("!")
        return "\n".join(out)


def start_rest(
    switch: EmulatedSwitch, interface_type: str = "TenGigabitEthernet", port: int = 0
) -> ThreadingHTTPServer:
    """Serve ``switch`` (dialect ``brocade`` or ``dellnos9``) on 127.0.0.1 in a thread."""
    base = {"brocade": _BrocadeHandler, "dellnos9": _DellHandler}[switch.dialect]
    handler = type(
        f"{base.__name__}_{switch.name}",
        (base,),
        {"switch": switch, "interface_type": interface_type},
    )
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name=f"rest-{switch.name}", daemon=True).start()
    return server
