"""pip-audit over the pinned requirements: no known vulnerability that is not listed,
with its reason, in deploy/audit-ignore.txt (README: Security)."""
import json
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _ignored() -> set[str]:
    ids = set()
    for line in (ROOT / "deploy" / "audit-ignore.txt").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            ident, _, reason = line.partition(" ")
            assert reason.strip(), f"{ident}: an accepted vulnerability needs its reason"
            ids.add(ident)
    return ids


def _vulnerability_service_reachable() -> bool:
    try:
        with urllib.request.urlopen("https://pypi.org/pypi/pip/json", timeout=10) as resp:
            return resp.status == 200
    except OSError:
        return False


def test_pinned_requirements_have_no_unlisted_known_vulnerabilities(tmp_path):
    if not _vulnerability_service_reachable():
        pytest.skip("PyPI's vulnerability data is not reachable from this machine")
    audit = Path(sys.executable).with_name("pip-audit")
    found = []
    # requirements-voice.txt is hashed, the others are not: pip-audit takes one kind per run
    for requirements in ("requirements-dev.txt", "requirements-voice.txt"):
        report = tmp_path / f"audit-{requirements}.json"
        cmd = [str(audit), "-r", str(ROOT / requirements), "--no-deps", "--disable-pip",
               "-s", "pypi", "--progress-spinner", "off", "-f", "json", "-o", str(report)]
        for ident in sorted(_ignored()):
            cmd += ["--ignore-vuln", ident]
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        found += [
            f"{dep['name']}=={dep['version']}: {vuln['id']} (fix: {vuln.get('fix_versions')})"
            for dep in json.loads(report.read_text())["dependencies"]
            for vuln in dep.get("vulns", [])
        ]
        assert result.returncode == 0 or found, f"{requirements}: {result.stderr[-2000:]}"
    assert not found, "known vulnerabilities: " + "; ".join(found)
