"""The FAB side of roles.yaml: what each declared role is given (its base role's permissions, its own, and
its per-DAG ones in FAB's ``DAG:<dag_id>`` names). Applying them to FAB's database is exercised by every
``make run`` start and the stack tests' logins (tests/e2e/test_factory_stack.py)."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from acf.security import roles as declared
from acf_dashboard.fab_roles import _role_permissions

SM = SimpleNamespace(VIEWER_PERMISSIONS=[("can_read", "DAGs")], USER_PERMISSIONS=[("can_edit", "DAGs")],
                     OP_PERMISSIONS=[("can_read", "Connections")])


def test_each_declared_role_gets_its_base_its_own_and_its_dag_permissions():
    declaration = declared.load()
    creator = _role_permissions(SM, declaration.roles["Creator"])
    reviewer = _role_permissions(SM, declaration.roles["Reviewer"])
    # what FAB's is_authorized_dag checks before a trigger (Make this) and an approval's answer (Approve)
    assert {("can_create", "DAG Runs"), ("can_edit", "DAG:acf_production")} <= set(creator)
    assert {("can_edit", "HITL Detail"), ("can_edit", "DAG:acf_publish")} <= set(reviewer)
    assert ("can_edit", "DAG:acf_publish") not in creator and ("can_create", "DAG Runs") not in reviewer
    assert not any(r == "Connections" for _, r in creator + reviewer)   # neither sees Connections
    assert ("can_read", "DAGs") in creator                                  # the Viewer base
    for role in declaration.roles.values():
        got = _role_permissions(SM, role)
        assert set(role.permissions) <= set(got) and set(role.dag_permissions()) <= set(got)


def test_base_roles_stack_as_fabs_do_and_an_unknown_base_is_refused():
    op = declared.Role(name="Ops", description="", base="Op", dags={"acf_trends": ("can_edit",)})
    assert _role_permissions(SM, op) == [("can_read", "DAGs"), ("can_edit", "DAGs"), ("can_read", "Connections"),
                                         ("can_edit", "DAG:acf_trends")]
    with pytest.raises(declared.RoleDeclarationError, match="base must be one of"):
        _role_permissions(SM, declared.Role(name="Boss", description="", base="Admin"))
