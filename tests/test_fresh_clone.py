"""A fresh clone needs nothing installed by hand: `make test` builds .venv from the
pinned requirements, and every third-party module the project imports comes from them."""
import ast
import importlib.metadata as md
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OWN = {"acf", "hooks", "operators", "triggers", "stand_ins", "conftest", "tests", "acf_dashboard"}


REQUIREMENTS = ("requirements.txt", "requirements-voice.txt", "requirements-dev.txt")


def _pinned(files=REQUIREMENTS) -> dict[str, str]:
    pins = {}
    for name in files:
        for line in (ROOT / name).read_text().splitlines():
            line = line.strip().removesuffix("\\").strip()   # requirements-voice.txt: "pkg==v \" + hash lines
            if not line or line.startswith(("#", "-r", "--hash")):
                continue
            assert "==" in line, f"{name}: unpinned line {line!r}"
            dist, version = line.split("==")
            pins[re.sub(r"[-_.]+", "-", dist).lower()] = version
    return pins


def _imported_top_level_modules() -> set[str]:
    modules = set()
    for folder in ("include", "plugins", "dags", "tests", "bench"):
        for path in (ROOT / folder).rglob("*.py"):
            tree = ast.parse(path.read_text(), filename=str(path))
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    modules.update(alias.name.split(".")[0] for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    modules.add(node.module.split(".")[0])
    return modules


def test_every_imported_module_comes_from_a_pinned_requirement():
    pins = _pinned()
    owners = md.packages_distributions()
    stdlib = set(sys.stdlib_module_names)
    local = OWN | {p.stem for p in (ROOT / "tests").rglob("*.py")} | {p.name for p in (ROOT / "tests").rglob("*") if p.is_dir()}
    local |= {p.stem for p in (ROOT / "bench").glob("*.py")} | {p.stem for p in (ROOT / "dags").glob("*.py")}
    missing = []
    for module in sorted(_imported_top_level_modules() - stdlib - local):
        dists = owners.get(module, [])
        if not any(re.sub(r"[-_.]+", "-", d).lower() in pins for d in dists):
            missing.append(f"{module} (installed from {dists or 'nowhere'})")
    assert not missing, "imported but not pinned in requirements: " + ", ".join(missing)


def test_installed_versions_match_the_pins():
    mismatched = []
    for dist, version in _pinned().items():
        try:
            installed = md.version(dist)
        except md.PackageNotFoundError:
            mismatched.append(f"{dist} not installed")
            continue
        if installed.split("+")[0] != version.split("+")[0]:
            mismatched.append(f"{dist}: pinned {version}, installed {installed}")
    assert not mismatched, mismatched


def test_make_test_on_a_fresh_clone_creates_the_venv_and_installs(tmp_path):
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    plan = subprocess.run(["make", "-n", "test"], cwd=clone, capture_output=True, text=True, check=True).stdout
    assert "-m venv .venv" in plan
    assert "install -r requirements.txt" in plan
    assert "install -r requirements-dev.txt" in plan
    assert "install --no-deps -e ." in plan
    assert "pytest" in plan.split("install -r requirements-dev.txt", 1)[1]
    ci = (clone / ".ci" / "run").read_text()
    assert "make test" in ci and not re.search(r"\bpip\b", ci)
