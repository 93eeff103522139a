"""Every write to a domain record goes through cases/services/ (docs/architecture.md).

A `.save()` or `.delete()` anywhere else would skip validation, the version and its chain entry,
and the workflow's bookkeeping (four eyes, a verified case back to review). This test reads the
source of every other module and fails on such a call, naming the file and line.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SEARCHED = ("cases", "casebook")
# Where writes belong, and tooling that writes generated data with COPY (it refuses any database
# that holds real records) — not searched.
NOT_SEARCHED = (
    "cases/services/",
    "cases/migrations/",
    "casebook/accounts/migrations/",
    "cases/generate/",
    "cases/bench/",
)
ROW_WRITES = {"save", "delete"}
MANAGER_WRITES = {"create", "get_or_create", "update_or_create", "bulk_create", "bulk_update"}
QUERYSET_WRITES = {"update", "delete"}
MANY_TO_MANY_WRITES = {"set", "add", "remove", "clear"}
MANY_TO_MANY_FIELDS = {"violation_types", "charges", "treatment_concerns"}

# Calls that are not writes of domain records, by module and receiver: the chain's own head and
# entries, export jobs (operational rows, no history), spreadsheets, form sets, the accounts.
NOT_DOMAIN = {
    "cases/history.py": {
        "head",
        "head_model._default_manager",
        "entry_model._default_manager",
        "anchor",
    },
    "cases/exports/jobs.py": {"job", "ExportJob.objects"},
    "cases/exports/formats.py": {"workbook"},
    "cases/admin/base.py": {"formset", "self"},
    "cases/api/views.py": {"self"},
    "cases/demo/drilda.py": {"user", "User.objects", "user.groups"},
}
NOT_DOMAIN_PACKAGES = ("casebook/accounts/", "casebook/settings.py")


def _domain_models() -> set[str]:
    from cases import models

    operational = {"ExportJob", "HistoryChainEntry", "HistoryChainHead", "HistoryKeyAnchor"}
    return {
        name
        for name in models.__all__
        if isinstance(getattr(models, name), type)
        and hasattr(getattr(models, name), "_meta")
        and name not in operational
    }


def _root_name(node: ast.expr) -> str | None:
    while isinstance(node, ast.Attribute | ast.Call | ast.Subscript):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _allowed(path: str, receiver: str) -> bool:
    if path.startswith(NOT_DOMAIN_PACKAGES):
        return True
    allowed = NOT_DOMAIN.get(path, set())
    return any(receiver == name or receiver.startswith(f"{name}.") for name in allowed)


def writes_outside_services() -> list[str]:
    domain = _domain_models()
    found = []
    for package in SEARCHED:
        for file in sorted((ROOT / package).rglob("*.py")):
            path = file.relative_to(ROOT).as_posix()
            if path.startswith(NOT_SEARCHED):
                continue
            for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
                if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                    continue
                verb, target = node.func.attr, node.func.value
                receiver = ast.unparse(target)
                if _allowed(path, receiver):
                    continue
                on_manager = ".objects" in receiver or "_default_manager" in receiver
                on_domain_model = _root_name(target) in domain
                if (
                    (verb in ROW_WRITES and not on_manager)
                    or (verb in MANAGER_WRITES and on_manager)
                    or (verb in QUERYSET_WRITES and on_manager and on_domain_model)
                    or (
                        verb in MANY_TO_MANY_WRITES
                        and isinstance(target, ast.Attribute)
                        and target.attr in MANY_TO_MANY_FIELDS
                    )
                ):
                    found.append(f"{path}:{node.lineno}: {receiver}.{verb}(…)")
    return found


@pytest.mark.smoke
def test_no_domain_record_is_written_outside_the_services():
    assert writes_outside_services() == []


@pytest.mark.smoke
@pytest.mark.parametrize(
    "line",
    [
        "instance.save()",
        "obj.delete()",
        "Case.objects.filter(pk=1).update(state='verified')",
        "Detention.objects.create(case=case, person=person)",
        "case.violation_types.set([])",
    ],
)
def test_the_check_finds_a_write_in_a_view(tmp_path, monkeypatch, line):
    """The check is not vacuous: each kind of write, put in a view module, is reported."""
    views = tmp_path / "cases" / "views"
    views.mkdir(parents=True)
    (views / "sneaky.py").write_text(f"def view(instance, obj, case, person):\n    {line}\n")
    (tmp_path / "casebook").mkdir()
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    found = writes_outside_services()
    assert len(found) == 1 and found[0].startswith("cases/views/sneaky.py:2: ")
