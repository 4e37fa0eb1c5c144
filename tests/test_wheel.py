"""An installed wheel (not the source tree) carries the grammar, the stdlib and py.typed."""
from __future__ import annotations

import subprocess
import sys
import venv
import zipfile

import pytest

from conftest import ROOT


@pytest.mark.slow
def test_wheel_lints_a_file_importing_std_labels(tmp_path) -> None:
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist), str(ROOT)],
                   check=True, capture_output=True, text=True)
    wheel = next(dist.glob("act_dsl-*.whl"))
    assert "act_dsl/py.typed" in zipfile.ZipFile(wheel).namelist()  # type checkers read the package's hints
    env = tmp_path / "env"
    venv.EnvBuilder(with_pip=True).create(env)
    py = env / "bin" / "python"
    # `act lint` needs only lark and rapidfuzz; the heavy dependencies are not installed on purpose
    subprocess.run([str(py), "-m", "pip", "install", "--quiet", "--no-deps", str(wheel), "lark", "rapidfuzz"],
                   check=True, capture_output=True, text=True)
    user = tmp_path / "elsewhere"
    user.mkdir()
    (user / "types.txt").write_text("/person\n/person/artist\n")
    (user / "t.act").write_text('import "std/labels"\ntask t {\n  output types: list<label> = split(response, ",")\n'
                                '  labels L = load("types.txt")\n  prompt "Types:"\n'
                                '  constraint h = consistent_hierarchy(types, L)\n}\n')
    r = subprocess.run([str(env / "bin" / "act"), "lint", "t.act"], cwd=user, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "0 error(s)" in r.stdout
    where = subprocess.run([str(py), "-c", "import act_dsl.resources as r; print(r.grammar_file())"],
                           cwd=user, capture_output=True, text=True).stdout
    assert str(env) in where  # the grammar came from the installed wheel
