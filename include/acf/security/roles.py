"""The factory's roles and users as data (``roles.yaml``), read without Airflow.

The FAB side (``plugins/acf_dashboard/fab_roles.py``) turns them into FAB roles, per-DAG permissions
and users; the dashboard's authorisation helper (``acf_dashboard.auth``) asks Airflow's auth manager,
never this file, so a role changed in the UI is what counts.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from acf import yaml_data

ROLES_FILE = Path(__file__).with_name("roles.yaml")
SIMPLE_ROLES = ("viewer", "user", "op", "admin")
SERVICE_USER = "acf_service"   # the acf_airflow_api Connection's user (roles.yaml gives it role Service)


class RoleDeclarationError(ValueError):
    pass


@dataclass(frozen=True)
class Role:
    name: str
    description: str
    builtin: bool = False                     # FAB's own role of that name (extended, never replaced)
    base: str | None = None                   # a built-in FAB role whose permissions are copied
    permissions: tuple[tuple[str, str], ...] = ()
    dags: dict[str, tuple[str, ...]] = field(default_factory=dict)
    simple: str = "viewer"                    # the simple auth manager's nearest role

    def dag_permissions(self) -> list[tuple[str, str]]:
        """(action, "DAG:<dag_id>") pairs, FAB's per-DAG resource names."""
        return [(action, f"DAG:{dag_id}") for dag_id, actions in self.dags.items() for action in actions]


@dataclass(frozen=True)
class Declaration:
    roles: dict[str, Role]
    users: dict[str, str]                     # username -> role name

    def simple_auth_users(self) -> str:
        """``[core] simple_auth_manager_users`` for the same users (``name:role,...``)."""
        return ",".join(f"{user}:{self.roles[role].simple}" for user, role in self.users.items())


def load(path: Path = ROLES_FILE) -> Declaration:
    data = yaml_data.load(Path(path).read_text())
    roles: dict[str, Role] = {}
    for name, spec in (data.get("roles") or {}).items():
        spec = spec or {}
        simple = str(spec.get("simple", "viewer")).lower()
        if simple not in SIMPLE_ROLES:
            raise RoleDeclarationError(f"role {name}: simple must be one of {SIMPLE_ROLES}, not {simple!r}")
        try:
            permissions = tuple((str(a), str(r)) for a, r in spec.get("permissions") or ())
        except (TypeError, ValueError):
            raise RoleDeclarationError(f"role {name}: each permission is [action, resource]") from None
        roles[name] = Role(name=name, description=str(spec.get("description", "")),
                           builtin=bool(spec.get("builtin", False)), base=spec.get("base"),
                           permissions=permissions,
                           dags={str(d): tuple(a) for d, a in (spec.get("dags") or {}).items()}, simple=simple)
    users = {str(u): str(r) for u, r in (data.get("users") or {}).items()}
    for user, role in users.items():
        if role not in roles:
            raise RoleDeclarationError(f"user {user}: no role named {role!r} (roles: {', '.join(roles)})")
    return Declaration(roles=roles, users=users)
