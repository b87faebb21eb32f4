"""The wheel, installed as a user would (not editable), gives a working `qa`: index, ask, serve.

Offline: the wheel is built with ``pip wheel --no-deps --no-build-isolation`` from a copy of the
source tree (so a stale ``build/`` or ``*.egg-info`` of the checkout cannot leak into it, and the
checkout is left as it was), and installed with ``--no-deps`` into a fresh virtual environment. The
dependencies come from this project's environment through a ``.pth`` line naming its site-packages:
such a line only adds the folder to ``sys.path`` and does not run the ``.pth`` files inside it, so
the project's editable install of ``qa`` stays out. Every command runs outside the repository, and
the test checks that the ``qa`` it imports is the installed one.
"""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import site
import subprocess
import sys
import threading
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

from tests.builders import ROOT

LISTENING = re.compile(r"listening on (http://\S+/)")
# Not copied for the build: environments, build output, caches, the index and benchmark output.
SKIP_AT_ROOT = {".git", ".venv", "build", "dist", "data"}
SKIP_ANYWHERE = {"__pycache__", ".pytest_cache", ".ruff_cache", ".mypy_cache"}
SKIP_PATHS = {Path("bench/out"), Path("tests/artifacts")}

SOURCE = "library.txt"
ARTICLE = ("滨江市图书馆新馆正式开放\n\n"
           "滨江市图书馆新馆于3月18日正式对外开放。新馆位于滨江市东湖路88号，建筑面积4.2万平方米。"
           "新馆藏书约120万册，设有少儿阅览区和古籍修复中心。开馆首日共接待读者6800人次。\n")
QUESTION = "滨江市图书馆新馆藏书约多少册？"
FACT = "120万册"


def _ignore(directory: str, names: list[str]) -> set[str]:
    relative = Path(directory).resolve().relative_to(ROOT)
    return {name for name in names
            if name in SKIP_ANYWHERE or name.endswith(".egg-info")
            or (relative == Path(".") and name in SKIP_AT_ROOT) or relative / name in SKIP_PATHS}


def _environment() -> dict[str, str]:
    """This process's environment without what could point a command elsewhere: PYTHONPATH, the
    user site, the project's own QA_* settings (data dir, model), a virtual environment's marker."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("QA_") and key not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"}}
    env.update(PYTHONNOUSERSITE="1", PYTHONDONTWRITEBYTECODE="1", PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1",
               HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    return env


def _run(command: list[str | Path], cwd: Path, timeout: float) -> str:
    done = subprocess.run([str(part) for part in command], cwd=cwd, env=_environment(), capture_output=True,
                          text=True, timeout=timeout)
    assert done.returncode == 0, (f"{' '.join(map(str, command))} exited {done.returncode}\n"
                                  f"stdout:\n{done.stdout[-3000:]}\nstderr:\n{done.stderr[-3000:]}")
    return done.stdout


def _build_wheel(tmp_path: Path, work: Path) -> Path:
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=_ignore, symlinks=True)
    wheels = tmp_path / "wheels"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "--wheel-dir",
          wheels, source], work, timeout=300)
    built = sorted(wheels.glob("*.whl"))
    assert len(built) == 1, built
    return built[0]


def _check_contents(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        entry_points = next((archive.read(name).decode() for name in names if name.endswith("entry_points.txt")), "")
    web_files = ["index.html", "style.css", *(path.relative_to(ROOT / "web").as_posix()
                                              for path in sorted((ROOT / "web").rglob("*.js")))]
    assert any(name.startswith("js/") for name in web_files), web_files  # the page's JS modules
    missing = [f"qa/web/{name}" for name in web_files if f"qa/web/{name}" not in names]
    assert not missing, f"not in the wheel: {missing}"
    for module in ("qa/cli/main.py", "qa/index/news_index.py", "qa/answer/reader.py", "qa/server/serve.py",
                   "embeddings/bundled.py"):
        assert module in names, f"{module} not in the wheel"
    # Every trained model file (the answer models of each query encoder, the static encoder) is read at run time.
    model_folders = (ROOT / "qa" / "answer" / "trained", ROOT / "embeddings" / "static")
    models = [path.relative_to(ROOT).as_posix() for folder in model_folders
              for path in sorted(folder.rglob("*")) if path.is_file()]
    assert "qa/answer/trained/static/verifier.json" in models
    missing = [name for name in models if name not in names]
    assert not missing, f"model files not in the wheel: {missing}"
    assert re.search(r"^qa\s*=\s*qa\.cli:main\s*$", entry_points, re.M), entry_points


def _fresh_environment(tmp_path: Path, work: Path, wheel: Path) -> Path:
    """A new virtual environment with the wheel installed and the project's dependencies visible."""
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", venv], work, timeout=180)
    python = venv / "bin" / "python"
    site_packages = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                              work, timeout=60).strip())
    dependencies = [path for path in dict.fromkeys(site.getsitepackages()) if Path(path).is_dir()]
    (site_packages / "project-dependencies.pth").write_text("".join(f"{path}\n" for path in dependencies))
    _run([python, "-m", "pip", "install", "--no-deps", "--no-index", wheel], work, timeout=300)
    return venv


def _wait_for_url(process: subprocess.Popen, lines: queue.Queue, output: list[str], timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=min(1.0, max(0.01, deadline - time.monotonic())))
        except queue.Empty:
            if process.poll() is not None:
                break
            continue
        if line is None:  # the output ended: the server exited
            break
        found = LISTENING.search(line)
        if found:
            return found.group(1)
    raise AssertionError("qa serve printed no 'listening on' line:\n" + "".join(output)[-3000:])


def _request(url: str, body: dict | None = None) -> tuple[int, str, bytes]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"} if data else {})
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.status, response.headers.get("Content-Type", ""), response.read()


def _assert_cited(answer: dict) -> None:
    assert answer["answerable"] is True, answer
    assert FACT in answer["answer"], answer
    assert answer["citations"], answer
    assert answer["citations"][0]["source"] == SOURCE, answer
    assert FACT in answer["citations"][0]["quote"], answer
    assert "[1]" in answer["answer"], answer


@pytest.mark.slow
def test_wheel_installs_a_working_qa(tmp_path):
    work = tmp_path / "work"  # the cwd of every command: nothing importable in it
    work.mkdir()
    wheel = _build_wheel(tmp_path, work)
    _check_contents(wheel)
    venv = _fresh_environment(tmp_path, work, wheel)
    python, qa = venv / "bin" / "python", venv / "bin" / "qa"
    assert qa.exists(), "the wheel installed no qa command"

    where = json.loads(_run([python, "-c", "import json, qa, flask; from qa.server.web import web_dir; "
                                           "print(json.dumps([qa.__file__, str(web_dir()), flask.__file__]))"],
                            work, timeout=120))
    qa_file, web_dir, flask_file = (Path(path).resolve() for path in where)
    assert qa_file.is_relative_to(venv.resolve()), f"qa imported from {qa_file}, not from the fresh environment"
    assert web_dir.is_relative_to(venv.resolve()) and (web_dir / "index.html").is_file(), web_dir
    assert not flask_file.is_relative_to(venv.resolve())  # the dependencies are the project's

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / SOURCE).write_text(ARTICLE, encoding="utf-8")
    data_dir = tmp_path / "data"
    indexed = _run([qa, "index", corpus, "--quiet", "--data-dir", data_dir], work, timeout=300)
    assert indexed.startswith("indexed "), indexed
    asked = json.loads(_run([qa, "ask", QUESTION, "--json", "--data-dir", data_dir], work, timeout=180))
    _assert_cited(asked)

    output: list[str] = []
    lines: queue.Queue = queue.Queue()
    process = subprocess.Popen([str(qa), "serve", "--host", "127.0.0.1", "--port", "0", "--threads", "2",
                                "--data-dir", str(data_dir)], cwd=work, env=_environment(), stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, encoding="utf-8", errors="replace")

    def drain() -> None:  # reads the server's output to the end, so that it never blocks on a full pipe
        for line in process.stdout:
            output.append(line)
            lines.put(line)
        lines.put(None)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        url = _wait_for_url(process, lines, output, timeout=180)
        status, content_type, page = _request(url)
        assert status == 200 and content_type.startswith("text/html"), (status, content_type)
        title = re.search(r"<title>(.*?)</title>", (ROOT / "web" / "index.html").read_text(encoding="utf-8"), re.S)
        assert title and f"<title>{title.group(1)}</title>" in page.decode("utf-8"), page[:500]
        status, content_type, script = _request(url + "js/api.js")
        assert status == 200 and "javascript" in content_type, (status, content_type)
        assert script == (ROOT / "web" / "js" / "api.js").read_bytes()
        status, content_type, body = _request(url + "api/ask", {"question": QUESTION})
        assert status == 200 and content_type.startswith("application/json"), (status, content_type)
        _assert_cited(json.loads(body))
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)
        reader.join(timeout=10)
    assert "Traceback" not in "".join(output), "".join(output)[-3000:]
