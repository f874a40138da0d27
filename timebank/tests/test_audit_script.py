"""bin/audit (`make audit`): pip-audit where PyPI's release API answers, else a fallback that names
what it could not check and never reports a clean audit."""

import importlib.machinery
import importlib.util
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def load_audit():
    loader = importlib.machinery.SourceFileLoader("timebank_bin_audit", str(ROOT / "bin" / "audit"))
    spec = importlib.util.spec_from_loader(loader.name, loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


class FakePyPI(BaseHTTPRequestHandler):
    projects: dict = {}
    release_api = False

    def do_GET(self):
        parts = self.path.strip("/").split("/")
        page = None
        if len(parts) == 3 and parts[0] == "pypi" and parts[2] == "json":
            page = self.projects.get(parts[1])
        elif len(parts) == 4 and parts[0] == "pypi" and self.release_api:
            page = self.projects.get(parts[1])
        if page is None:
            self.send_response(404)
            self.end_headers()
            return
        body = json.dumps(page).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_pypi(tmp_path, monkeypatch):
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakePyPI)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    audit = load_audit()
    monkeypatch.setattr(audit, "INDEX", f"http://127.0.0.1:{server.server_port}")
    monkeypatch.setattr(audit, "ROOT", tmp_path)
    FakePyPI.release_api = False
    FakePyPI.projects = {}
    yield audit, tmp_path
    server.shutdown()


def page(newest, vulnerabilities=()):
    return {"info": {"version": newest}, "vulnerabilities": list(vulnerabilities)}


def test_requirements_parser_reads_every_pin_of_the_real_file():
    audit = load_audit()
    pins = audit.pins(ROOT / "requirements.txt")
    lines = [
        line for line in (ROOT / "requirements.txt").read_text().splitlines() if line.strip() and not line.startswith("#")
    ]
    assert len(pins) == len(lines)
    assert ("Django", next(v for n, v in pins if n == "Django")) in pins


def test_fallback_never_passes_and_names_what_it_could_not_check(fake_pypi, capsys):
    audit, root = fake_pypi
    (root / "requirements.txt").write_text("alpha==1.0\nbeta[extra]==2.0\n")
    FakePyPI.projects = {"alpha": page("1.0"), "beta": page("3.0")}
    assert audit.main() == 2
    out = capsys.readouterr().out
    assert "pip-audit cannot run here" in out
    assert "1 of 2 pins" in out
    assert "UNCHECKED   beta==2.0: not the newest release (3.0)" in out
    assert "INCOMPLETE" in out


def test_fallback_with_every_pin_checked_still_says_pip_audit_did_not_run(fake_pypi, capsys):
    audit, root = fake_pypi
    (root / "requirements.txt").write_text("alpha==1.0\n")
    FakePyPI.projects = {"alpha": page("1.0")}
    assert audit.main() == 2
    assert "pip-audit itself did not run" in capsys.readouterr().out


def test_fallback_fails_on_a_listed_vulnerability(fake_pypi, capsys):
    audit, root = fake_pypi
    (root / "requirements.txt").write_text("alpha==1.0\nbeta==2.0\n")
    FakePyPI.projects = {"alpha": page("1.0", [{"id": "PYSEC-2026-1"}]), "beta": page("3.0")}
    assert audit.main() == 1
    assert "VULNERABLE  alpha==1.0: PYSEC-2026-1" in capsys.readouterr().out


def test_an_unknown_project_is_unchecked_not_clean(fake_pypi, capsys):
    audit, root = fake_pypi
    (root / "requirements.txt").write_text("alpha==1.0\nghost==1.0\n")
    FakePyPI.projects = {"alpha": page("1.0")}
    assert audit.main() == 2
    assert "UNCHECKED   ghost==1.0: PyPI's project page unreachable" in capsys.readouterr().out


def test_pip_audit_runs_when_the_release_api_answers(fake_pypi, monkeypatch):
    audit, root = fake_pypi
    (root / "requirements.txt").write_text("alpha==1.0\n")
    FakePyPI.projects = {"alpha": page("1.0")}
    FakePyPI.release_api = True
    calls = []
    monkeypatch.setattr(audit, "run_pip_audit", lambda python, requirements: calls.append(requirements) or 7)
    assert audit.main() == 7
    assert calls == [root / "requirements.txt"]
