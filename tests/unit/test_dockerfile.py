"""The Dockerfile, checked statically (no Docker engine on the CI machines): multi-stage,
pinned Python 3.11 base, non-root, no remote ADD, no secrets or local artefacts copied,
dependencies from the lock file, a HEALTHCHECK, and the `streamapp` command."""

from __future__ import annotations

import fnmatch
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SECRET_NAME = re.compile(r"(PASSWORD|SECRET|TOKEN|PRIVATE_KEY|API_KEY|CREDENTIAL)", re.I)


@dataclass
class Instruction:
    keyword: str
    args: str
    stage: int  # index of the FROM it belongs to


def parse(text: str) -> list[Instruction]:
    """Instructions with continuation lines joined and comments dropped."""
    instructions: list[Instruction] = []
    stage = -1
    buffer = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            buffer += line[:-1] + " "
            continue
        line, buffer = buffer + line, ""
        keyword, _, args = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            stage += 1
        instructions.append(Instruction(keyword, args.strip(), stage))
    assert not buffer, "the Dockerfile ends inside a continuation line"
    return instructions


@pytest.fixture(scope="module")
def dockerfile() -> list[Instruction]:
    return parse((ROOT / "Dockerfile").read_text())


@pytest.fixture(scope="module")
def ignored() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    return [p.strip() for p in lines if p.strip() and not p.startswith("#")]


def build_args(instructions: list[Instruction]) -> dict[str, str]:
    args = {}
    for ins in instructions:
        if ins.keyword == "ARG" and "=" in ins.args:
            name, _, default = ins.args.partition("=")
            args[name.strip()] = default.strip()
    return args


def base_images(instructions: list[Instruction]) -> list[str]:
    args = build_args(instructions)
    images = []
    for ins in instructions:
        if ins.keyword == "FROM":
            image = ins.args.split()[0]
            images.append(
                re.sub(r"\$\{?(\w+)\}?", lambda m: args.get(m.group(1), m.group(0)), image)
            )
    return images


def final_stage(instructions: list[Instruction]) -> list[Instruction]:
    last = max(i.stage for i in instructions)
    return [i for i in instructions if i.stage == last]


def test_multi_stage_from_a_pinned_python_311_slim_base(dockerfile):
    images = base_images(dockerfile)
    assert len(images) >= 2, "a build stage and a runtime stage"
    stage_names = {
        ins.args.split()[-1]
        for ins in dockerfile
        if ins.keyword == "FROM" and " AS " in ins.args.upper()
    }
    for image in images:
        if image in stage_names:
            continue
        assert "@sha256:" in image or re.fullmatch(r"python:3\.11\.\d+-slim(-\w+)?", image), (
            f"base {image!r} is not pinned to an exact 3.11 patch tag or a digest"
        )
        assert not image.endswith(":latest")
    assert "slim" in images[-1]
    copied_from = [
        i for i in final_stage(dockerfile) if i.keyword == "COPY" and "--from=" in i.args
    ]
    assert copied_from, "the runtime stage takes the built virtualenv from the build stage"


def test_runs_as_a_numeric_non_root_user(dockerfile):
    users = [i.args for i in final_stage(dockerfile) if i.keyword == "USER"]
    assert users, "no USER in the runtime stage: it would run as root"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}
    assert user.isdigit() and int(user) >= 1000, "numeric uid, so runAsNonRoot can check it"


def test_no_remote_add_and_no_secrets_in_copy_env_or_args(dockerfile):
    for ins in dockerfile:
        if ins.keyword == "ADD":
            assert not re.search(r"(https?|ftp|git)[:@]", ins.args), f"ADD of a URL: {ins.args}"
        if ins.keyword in {"COPY", "ADD"}:
            sources = [a for a in shlex.split(ins.args) if not a.startswith("--")][:-1]
            for source in sources:
                assert source not in {".", "./", "*"}, "COPY of the whole context"
                name = Path(source).name
                assert not name.startswith(".env"), f"copies {source}"
                assert not re.search(r"\.(pem|key|p12|jks)$|secret|credential", name, re.I)
        if ins.keyword in {"ENV", "ARG"}:
            for name in re.findall(r"(\w+)=", ins.args):
                assert not SECRET_NAME.search(name), (
                    f"{ins.keyword} {name}: secrets come at run time"
                )


def test_copied_sources_exist_and_are_not_ignored(dockerfile, ignored):
    for ins in dockerfile:
        if ins.keyword != "COPY" or "--from=" in ins.args:
            continue
        for source in shlex.split(ins.args)[:-1]:
            path = source.rstrip("/")
            assert (ROOT / path).exists(), f"COPY {source}: not in the repository"
            assert not any(fnmatch.fnmatch(path, p.rstrip("/")) for p in ignored), source


def test_dockerignore_keeps_secrets_and_local_artefacts_out(ignored):
    for must in (".env", ".venv/", ".git/", ".streamapp/", "**/*.pem", "**/*.key", "tests/"):
        assert must in ignored, f".dockerignore lacks {must}"


def test_dependencies_come_from_the_lock_file(dockerfile):
    installs = [i.args for i in dockerfile if i.keyword == "RUN" and "pip install" in i.args]
    assert installs
    assert all("-c constraints.txt" in args for args in installs)
    assert not any(re.search(r"\.\[dev\]|-e\s", args) for args in installs), "no dev extras"
    copies = " ".join(i.args for i in dockerfile if i.keyword == "COPY")
    assert "constraints.txt" in copies


def test_healthcheck_entrypoint_and_default_command(dockerfile):
    final = final_stage(dockerfile)
    [health] = [i.args for i in final if i.keyword == "HEALTHCHECK"]
    assert "CMD" in health and "/healthz" in " ".join(i.args for i in final)
    [entry] = [i.args for i in final if i.keyword == "ENTRYPOINT"]
    [cmd] = [i.args for i in final if i.keyword == "CMD"]
    assert entry == '["streamapp"]' and cmd == '["worker"]'
    env = " ".join(i.args for i in final if i.keyword == "ENV")
    assert "STREAMAPP_WEB_HOST=0.0.0.0" in env, "probes reach the pod's IP, not loopback"
    from streamapp.cli import build_parser

    parser = build_parser()
    assert parser.parse_args(["worker"]).command == "worker"


def test_parser_sees_continuations_and_stages():
    text = "FROM a AS x\nRUN one \\\n  two\n# note\nFROM b\nUSER 1\n"
    parsed = parse(text)
    assert [(i.keyword, i.args, i.stage) for i in parsed] == [
        ("FROM", "a AS x", 0),
        ("RUN", "one  two", 0),
        ("FROM", "b", 1),
        ("USER", "1", 1),
    ]
