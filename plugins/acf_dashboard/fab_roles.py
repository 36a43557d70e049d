"""Create the factory's roles and users in FAB's RBAC (``acf.security.roles``: ``roles.yaml``).

Run by ``make run`` (``acf.local_stack init``) once per start, in one process, after ``airflow db migrate``
created FAB's tables: ``python -m acf_dashboard.fab_roles <passwords.json>``. Idempotent and add-only,
as FAB's own ``bulk_sync_roles`` is: a permission an Admin added in the UI stays; one removed from
``roles.yaml`` is not taken back (remove it in the UI, Security -> List Roles).

Each user gets a generated password the first time (kept in the passwords file, mode 0600, printed by
``make run``); a user whose password is missing from the file gets a new one. The API server runs with
``[fab] update_fab_perms = False``, so it does not redo this work at every start.
"""
from __future__ import annotations

import json
import os
import secrets
import sys
from pathlib import Path

from acf.security import roles as declared


def _role_permissions(sm, role: declared.Role) -> list[tuple[str, str]]:
    base = {"Viewer": sm.VIEWER_PERMISSIONS, "User": sm.VIEWER_PERMISSIONS + sm.USER_PERMISSIONS,
            "Op": sm.VIEWER_PERMISSIONS + sm.USER_PERMISSIONS + sm.OP_PERMISSIONS}
    if role.base and role.base not in base:
        raise declared.RoleDeclarationError(f"role {role.name}: base must be one of {', '.join(base)}")
    return list(base.get(role.base, [])) + list(role.permissions) + role.dag_permissions()


def apply(declaration: declared.Declaration, passwords_file: Path) -> dict[str, str]:
    """Sync FAB's built-in roles, add the declared ones and their users; returns username -> password."""
    from airflow.providers.fab.auth_manager.cli_commands.utils import get_application_builder

    passwords_file = Path(passwords_file)
    passwords: dict[str, str] = json.loads(passwords_file.read_text()) if passwords_file.exists() else {}
    with get_application_builder() as appbuilder:
        sm = appbuilder.sm
        sm.sync_roles()   # FAB's built-in roles and the all-DAG permissions
        sm.bulk_sync_roles([{"role": role.name, "perms": _role_permissions(sm, role)}
                            for role in declaration.roles.values()])
        for username, role_name in declaration.users.items():
            role = sm.find_role(role_name)
            user = sm.find_user(username=username)
            if username not in passwords:
                passwords[username] = secrets.token_urlsafe(12)
                if user is not None:
                    sm.reset_password(user.id, passwords[username])
            if user is None:
                user = sm.add_user(username, username.capitalize(), "(AI Content Factory)",
                                   f"{username}@acf.invalid", role, passwords[username])
                if not user:
                    raise SystemExit(f"could not create the user {username}")
            elif role not in user.roles:
                user.roles = [role]
                sm.update_user(user)
    passwords_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(passwords_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(passwords, fh)
    passwords_file.chmod(0o600)
    return passwords


SERVICE_CONNECTION = "acf_airflow_api"


def save_service_connection(api_url: str, password: str) -> None:
    """Create or update the ``acf_airflow_api`` Connection in Airflow's metadata database (its password
    encrypted with the Fernet key): the service user tasks save rotated OAuth tokens with
    (hooks.airflow_api). For compose, whose containers share no environment file with this step; ``make run``
    sets it as an ``AIRFLOW_CONN_*`` variable instead."""
    from airflow.models import Connection
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        found = session.scalars(select(Connection).where(Connection.conn_id == SERVICE_CONNECTION)).one_or_none()
        if found is None:
            found = Connection(conn_id=SERVICE_CONNECTION, conn_type="http")
            session.add(found)
        found.conn_type, found.host, found.login = "http", api_url, declared.SERVICE_USER
        found.set_password(password)
        found.description = "AI Content Factory: saves rotated OAuth tokens to the platforms' Connections"


if __name__ == "__main__":
    args = sys.argv[1:]
    if len(args) not in (1, 3) or (len(args) == 3 and args[1] != "--service-connection"):
        raise SystemExit("usage: python -m acf_dashboard.fab_roles <passwords.json> [--service-connection <API URL>]")
    applied = apply(declared.load(), Path(args[0]))
    print(f"FAB roles and users: {', '.join(f'{u} ({r})' for u, r in declared.load().users.items())}")
    if len(args) == 3:
        save_service_connection(args[2], applied[declared.SERVICE_USER])
        print(f"Connection {SERVICE_CONNECTION}: {declared.SERVICE_USER} at {args[2]}")
