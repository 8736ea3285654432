"""Bad input never stops the run and never prints a traceback: one line naming the file, the rest read."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pytest
from typer.testing import CliRunner

from briefs.cli import app
from briefs.errors import EXIT_NOTHING
from briefs.reader import read_paths

GOOD = (
    "国家药监局部署药品安全专项整治\n发布时间：2022-02-11\n"
    "国家药监局近日部署药品安全专项整治行动，严厉打击制售假药劣药等违法行为。\n"
)


def _good(folder: Path) -> Path:
    path = folder / "good.txt"
    path.write_text(GOOD, encoding="utf-8")
    return path


def _empty(folder: Path) -> Path:
    path = folder / "empty.txt"
    path.write_bytes(b"")
    return path


def _whitespace(folder: Path) -> Path:
    path = folder / "blank.md"
    path.write_text(" \n\u3000\n\n", encoding="utf-8")
    return path


def _binary(folder: Path) -> Path:
    path = folder / "report.txt"  # a PDF renamed .txt
    path.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 8)
    return path


def _nul_binary(folder: Path) -> Path:
    path = folder / "blob.txt"
    path.write_bytes(bytes(range(256)) * 16)
    return path


def _undecodable(folder: Path) -> Path:
    path = folder / "garbled.txt"  # 0xFF is not a lead byte in UTF-8, GB18030 or Big5
    path.write_bytes(b"\xff\xfa\xfb" * 200)
    return path


def _oversize(folder: Path) -> Path:
    path = folder / "huge.txt"
    path.write_text(GOOD * 200, encoding="utf-8")
    return path


def _furniture_only(folder: Path) -> Path:
    path = folder / "chrome.html"
    path.write_text("<html><body><nav>首页 | 新闻</nav><footer>Copyright 2024</footer></body></html>", encoding="utf-8")
    return path


def _footer_only(folder: Path) -> Path:
    path = folder / "footer.txt"  # the only prose-like line is the site footer, which ends the article
    path.write_text(
        "首页\n版权所有 国家药品监督管理局 京ICP备13027807号。地址：北京市西城区宣武门西大街。\n", encoding="utf-8"
    )
    return path


BAD_INPUTS = [
    (_empty, "empty file"),
    (_whitespace, "empty file"),
    (_binary, "binary file (a PDF file)"),
    (_nul_binary, "binary file"),
    (_undecodable, "do not decode"),
    (_oversize, "over the limit of 10,000 (setting max_file_bytes)"),
    (_furniture_only, "no article text found"),
    (_footer_only, "no article text found"),
]


@pytest.mark.parametrize(
    ("make", "says"),
    BAD_INPUTS,
    ids=[
        "an empty file is one line and the good file is still read",
        "a whitespace-only file is one line",
        "a PDF renamed .txt is one line",
        "a binary blob renamed .txt is one line",
        "bytes no encoding decodes are one line",
        "a file over the size limit is one line naming the setting",
        "a page of nothing but furniture is one line",
        "a page whose only prose is its footer is one line",
    ],
)
def test_bad_file_is_one_line_and_others_still_read(tmp_path, reader_settings, make, says):
    good = _good(tmp_path)
    bad = make(tmp_path)
    settings = reader_settings.model_copy(update={"max_file_bytes": 10_000})
    result = read_paths([good, bad], settings)
    assert [d.path for d in result.documents] == [str(good)]
    [problem] = result.problems
    assert problem.startswith(str(bad)) and says in problem and "\n" not in problem


def test_nonexistent_path_is_one_line(tmp_path, reader_settings):
    result = read_paths([tmp_path / "missing.txt", _good(tmp_path)], reader_settings)
    assert result.problems == [f"{tmp_path / 'missing.txt'}: no such file or folder"]
    assert len(result.documents) == 1


def test_folder_with_no_documents_is_one_line(tmp_path, reader_settings):
    empty = tmp_path / "nothing"
    empty.mkdir()
    (empty / "notes.json").write_text("{}", encoding="utf-8")
    result = read_paths([empty], reader_settings)
    assert result.documents == []
    # a JSON file is plainly not a document: named in the one line, not reported as a file skipped
    assert result.problems == [
        f"{empty}: folder holds no .txt, .md or .html documents (only files that are not documents, e.g. notes.json)"
    ]
    assert result.ignored == [empty / "notes.json"]


def test_folders_are_read_recursively_and_hidden_files_ignored(tmp_path, reader_settings):
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    _good(nested)
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "HEAD.txt").write_text("ref: refs/heads/main", encoding="utf-8")
    result = read_paths([tmp_path], reader_settings)
    assert [Path(d.path).name for d in result.documents] == ["good.txt"]
    assert result.problems == []


@contextmanager
def _without_root_privileges():
    """Root reads a chmod 000 file anyway, so as root the block runs with the *effective* user and group
    set to nobody: the kernel's permission check is then real (no mock). The real uid stays root, which
    is what allows taking root back afterwards. A non-root user needs nothing."""
    if os.geteuid() != 0:
        yield
        return
    nobody = pwd.getpwnam("nobody")
    os.setegid(nobody.pw_gid)
    os.seteuid(nobody.pw_uid)
    try:
        yield
    finally:
        os.seteuid(0)
        os.setegid(0)


def test_unreadable_file_is_one_line(reader_settings):
    # Not tmp_path: pytest makes its parents private to the user running it, and nobody must get in.
    folder = Path(tempfile.mkdtemp(prefix="briefs-unreadable-"))
    try:
        folder.chmod(0o755)
        good = _good(folder)
        good.chmod(0o644)
        locked = folder / "locked.txt"
        locked.write_text(GOOD, encoding="utf-8")
        locked.chmod(0)
        read_paths([good], reader_settings)  # as the current user: imports and the encoding load here
        with _without_root_privileges():
            with pytest.raises(PermissionError):  # the precondition is real, or the test fails (never skips)
                locked.open("rb").close()
            result = read_paths([locked, good], reader_settings)
        assert result.problems == [f"{locked}: permission denied"]
        assert [d.path for d in result.documents] == [str(good)]
    finally:
        shutil.rmtree(folder)


def test_cli_prints_one_line_per_bad_input_and_no_traceback(tmp_path):
    good = _good(tmp_path)
    bads = [make(tmp_path) for make, _ in BAD_INPUTS if make is not _oversize]
    run = CliRunner().invoke(app, ["inspect", "--json", str(good), *map(str, bads), str(tmp_path / "missing")])
    assert run.exit_code == 0
    assert "Traceback" not in run.output
    problem_lines = run.stderr.strip().splitlines()
    assert len(problem_lines) == len(bads) + 1
    assert all(line.startswith("briefs: ") for line in problem_lines)
    assert len(run.stdout.strip().splitlines()) == 1  # the good document


def test_cli_exits_non_zero_only_when_nothing_could_be_read(tmp_path):
    run = CliRunner().invoke(app, ["inspect", str(_empty(tmp_path)), str(tmp_path / "missing")])
    assert run.exit_code == EXIT_NOTHING
    assert "Traceback" not in run.output
    assert len(run.stderr.strip().splitlines()) == 2


def test_real_command_in_a_subprocess_has_no_traceback(tmp_path):
    env = {**os.environ, "BRIEFS_HOME": str(tmp_path / "home")}
    run = subprocess.run(
        [sys.executable, "-m", "briefs", "inspect", str(_binary(tmp_path)), str(_good(tmp_path))],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    assert run.stderr.strip() == f"briefs: {tmp_path / 'report.txt'}: binary file (a PDF file), not a text document"
