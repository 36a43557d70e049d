"""The service registry: every external service the factory can call, declared once.

A service is a connection type (one file of ``connection_types/``, or an extension's
``SERVICES`` entry, see :mod:`acf.extensions`) with an ``acf-service`` block::

    hook-class-name: hooks.groq.GroqHook
    connection-type: acf_groq
    acf-service: {name: groq, kind: text, conn-id: acf_groq, legacy-conn-ids: [groq_default]}

``name`` is what tier chains, trend sources and platforms call it; ``kind`` is one of
:data:`KINDS`. The Airflow side (``plugins/hooks/configured.py``) turns a service into
its hook when the Connection exists; everything else (the DAGs' source and platform
tables, tier resolution, connection forms, pools) is derived from this list. No
Airflow and no hook is imported here.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from acf import yaml_data

from acf import extensions

CONNECTION_TYPES_DIR = Path(__file__).with_name("connection_types")
KINDS = ("trend_source", "text", "image", "voice", "platform")
SERVICE_KEY = "acf-service"


class UnknownServiceError(LookupError):
    pass


class ServiceDeclarationError(ValueError):
    pass


@dataclass(frozen=True)
class Service:
    name: str                       # as tier chains, sources and platforms name it: "groq", "youtube"
    kind: str                       # trend_source | text | image | voice | platform
    hook_class: str                 # dotted path of the hook; imported on the Airflow side only
    conn_type: str
    conn_id: str                    # the Connection it reads by default
    legacy_conn_ids: tuple[str, ...] = ()   # older default ids, still read with a deprecation warning


def connection_types() -> list[dict]:
    """Every connection-type declaration: the project's files, then the extensions' ``SERVICES``."""
    declared = [yaml_data.load(p.read_text()) for p in sorted(CONNECTION_TYPES_DIR.glob("*.yaml"))]
    return declared + [dict(item) for item in extensions.declared("SERVICES")]


def _service(declaration: dict) -> Service | None:
    block = declaration.get(SERVICE_KEY)
    if block is None:
        return None
    where = declaration.get("connection-type", "?")
    try:
        service = Service(name=str(block["name"]), kind=str(block["kind"]),
                          hook_class=str(declaration["hook-class-name"]),
                          conn_type=str(declaration["connection-type"]), conn_id=str(block["conn-id"]),
                          legacy_conn_ids=tuple(block.get("legacy-conn-ids") or ()))
    except (KeyError, TypeError) as exc:
        raise ServiceDeclarationError(f"connection type {where}: {SERVICE_KEY} needs name, kind and conn-id"
                                      f" (missing {exc})") from None
    if service.kind not in KINDS:
        raise ServiceDeclarationError(f"connection type {where}: kind {service.kind!r} is not one of {KINDS}")
    return service


def services(kind: str | None = None) -> list[Service]:
    """The registered services (of one ``kind`` when given), in declaration order."""
    found: dict[tuple[str, str], Service] = {}
    for declaration in connection_types():
        service = _service(declaration)
        if service is None:
            continue
        key = (service.kind, service.name)
        if key in found:
            raise ServiceDeclarationError(f"two {service.kind} services are named {service.name!r}")
        found[key] = service
    return [s for s in found.values() if kind is None or s.kind == kind]


def service(kind: str, name: str) -> Service:
    for candidate in services(kind):
        if candidate.name == name:
            return candidate
    known = ", ".join(s.name for s in services(kind)) or "none"
    raise UnknownServiceError(f"no {kind} service named {name!r}; known: {known}")


def find(kind: str, name: str) -> Service | None:
    """The service, or None for a name that has none (``local``, ``outbox``)."""
    return next((s for s in services(kind) if s.name == name), None)


def names(kind: str) -> list[str]:
    return [s.name for s in services(kind)]
