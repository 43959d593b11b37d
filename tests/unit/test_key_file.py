"""The local key file (`bot.security.keys`): created atomically (a reader only ever sees a complete
file), the same key for processes starting together, and a clear `ConfigError` for anything that
cannot be a master secret. Also the secret checks shared by BOT_SIGNING_KEY and Secrets Manager."""

from __future__ import annotations

import errno
import json
import multiprocessing
import os
import random
import resource
import signal
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.config import ConfigError, Settings
from bot.security import keys as keys_module
from bot.security.keys import Keys, load_keys, secret_weakness

ROOT = Path(__file__).resolve().parents[2]
GOOD_SECRET = "Vq3kZ8m2Jd7Lx0Rt5Wc9Nh4Bf6Gy1Ps-Ue_Ao8Ki2"  # varied, 43 characters
FIX_FILE = "delete it to generate a new key"
PROCESSES = 8


def local(tmp_path: Path, **extra: str) -> Settings:
    return Settings.from_env({"BOT_LOCAL_DIR": str(tmp_path / "local"), "BOT_STORE": "memory", **extra})


def key_path(tmp_path: Path) -> Path:
    return tmp_path / "local" / "signing.key"


def leftovers(directory: Path) -> list[str]:
    return (
        sorted(p.name for p in directory.iterdir() if p.name != "signing.key") if directory.exists() else []
    )


# --- creation ------------------------------------------------------------------------------------


@pytest.mark.parametrize("umask", [0o000, 0o022, 0o077, 0o277])
def test_a_new_key_file_is_owner_only_whatever_the_umask(tmp_path: Path, umask: int) -> None:
    previous = os.umask(umask)
    try:
        first = load_keys(local(tmp_path))
    finally:
        os.umask(previous)
    path = key_path(tmp_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_ISREG(path.stat().st_mode)
    assert len(path.read_text().strip()) >= 32
    assert leftovers(path.parent) == []
    assert load_keys(local(tmp_path)) == first


def _fail_writes_in(directory: Path, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """os.write into files under `directory` writes a few bytes, then fails with ENOSPC (disk full)."""
    real_write = os.write
    calls: list[int] = []

    def write(fd: int, data: Any) -> int:
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            target = ""
        if not target.startswith(str(directory)):
            return real_write(fd, data)
        calls.append(fd)
        if len(calls) == 1:
            return real_write(fd, bytes(data)[:5])  # a short write: the loop must go on
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "write", write)
    return calls


def test_a_disk_full_first_start_leaves_nothing_and_the_next_start_succeeds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = key_path(tmp_path).parent
    with monkeypatch.context() as patch:
        calls = _fail_writes_in(tmp_path, patch)
        with pytest.raises(ConfigError) as raised:
            load_keys(local(tmp_path))
    assert len(calls) == 2  # written partly, then the disk was full
    message = str(raised.value)
    assert "No space left on device" in message
    assert "BOT_SIGNING_KEY" in message
    assert not key_path(tmp_path).exists()
    assert leftovers(directory) == []  # no temporary file either
    keys = load_keys(local(tmp_path))  # the next start creates the key
    assert load_keys(local(tmp_path)) == keys


_LIMITED_START = """
import resource, signal, sys
from bot.config import ConfigError, Settings
from bot.security.keys import load_keys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (10, 10))  # files cannot grow past 10 bytes
try:
    load_keys(Settings.from_env({"BOT_LOCAL_DIR": sys.argv[1], "BOT_STORE": "memory"}))
except ConfigError as exc:
    print(exc)
    sys.exit(2)
"""


def test_a_write_failing_in_a_real_process_leaves_no_empty_key_file(tmp_path: Path) -> None:
    """The operating system refuses the write itself (a file-size limit: EFBIG, like a full disk)."""
    assert hasattr(resource, "RLIMIT_FSIZE")
    assert hasattr(signal, "SIGXFSZ")
    local_dir = tmp_path / "local"
    first = subprocess.run(
        [sys.executable, "-c", _LIMITED_START, str(local_dir)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert first.returncode == 2, first.stdout + first.stderr
    assert "Traceback" not in first.stderr
    assert "BOT_SIGNING_KEY" in first.stdout
    assert not (local_dir / "signing.key").exists()
    assert leftovers(local_dir) == []
    assert load_keys(local(tmp_path)) == load_keys(local(tmp_path))


def test_a_reader_never_sees_a_key_file_that_is_still_being_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process starts while this one has just created its file: it must not read it half-done.

    Deterministic: the "other process" runs inside this one's first `os.open` of a file in the
    key's directory, i.e. after the file exists and before a byte of it is written.
    """
    real_open = os.open
    other: list[Keys | BaseException] = []

    def racing_open(file: Any, flags: int, mode: int = 0o777, *args: Any, **kwargs: Any) -> int:
        fd = real_open(file, flags, mode, *args, **kwargs)
        if not other and str(file).startswith(str(tmp_path)) and flags & os.O_CREAT:
            other.append(RuntimeError("recursion guard"))
            try:
                other[0] = load_keys(local(tmp_path))
            except BaseException as exc:
                other[0] = exc
        return fd

    monkeypatch.setattr(os, "open", racing_open)
    mine = load_keys(local(tmp_path))
    monkeypatch.undo()
    assert len(other) == 1
    assert not isinstance(other[0], BaseException), repr(other[0])
    assert other[0] == mine == load_keys(local(tmp_path))
    assert leftovers(key_path(tmp_path).parent) == []


def _start(local_dir: str, barrier: Any, results: Any) -> None:
    """One process's start: wait for all the others, then load the keys (run in a child process)."""
    try:
        barrier.wait(timeout=120)
        keys = load_keys(Settings.from_env({"BOT_LOCAL_DIR": local_dir, "BOT_STORE": "memory"}))
        results.put(("ok", keys.signing.hex()))
    except BaseException as exc:
        results.put(("error", f"{type(exc).__name__}: {exc}"))


@pytest.mark.slow
def test_processes_starting_together_on_a_fresh_directory_all_get_the_same_key(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(PROCESSES)
    results = context.Queue()
    local_dir = str(tmp_path / "local")
    workers = [context.Process(target=_start, args=(local_dir, barrier, results)) for _ in range(PROCESSES)]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=300) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    assert [kind for kind, _ in outcomes] == ["ok"] * PROCESSES, outcomes
    assert len({value for _, value in outcomes}) == 1
    assert load_keys(local(tmp_path)).signing.hex() == outcomes[0][1]
    assert leftovers(key_path(tmp_path).parent) == []


# --- bad key files -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "complaint"),
    [
        (b"", "is empty"),
        (b" \n\n", "is empty"),
        (b"\xff\xfe" * 24, "not UTF-8"),
        (b"caf\xe9-" * 10, "not UTF-8"),
        (b"\x00" * 64, "distinct"),
        (b"a" * 64, "distinct"),
        (b"ab" * 32, "distinct"),
        (b"abcdefgh" * 8, "repeats a short pattern"),
        (b"password" * 4, "repeats a short pattern"),
        (b"a" * 60 + b"bcdefg", "too little variety"),
        (b"short", "shorter than 32 bytes"),
        (b"x" * 10_000, "larger than"),
        (b'{"current": "' + b"k" * 40 + b'"}', "distinct"),
        (b'{"current": "' + GOOD_SECRET.encode() + b'", "previous": ["' + b"0" * 40 + b'"]}', "previous"),
        (b'{"current": 42}', "JSON must look like"),
        (
            b'{"current": "' + GOOD_SECRET.encode() + b'", "previous": "' + GOOD_SECRET.encode() + b'"}',
            "JSON",
        ),
    ],
)
def test_a_bad_key_file_is_refused_with_how_to_fix_it(tmp_path: Path, content: bytes, complaint: str) -> None:
    path = key_path(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    with pytest.raises(ConfigError) as raised:
        load_keys(local(tmp_path))
    message = str(raised.value)
    assert complaint in message
    assert str(path) in message
    assert FIX_FILE in message
    assert "BOT_SIGNING_KEY" in message
    _assert_not_echoed(content, message)
    assert path.read_bytes() == content  # never silently replaced


def _assert_not_echoed(content: bytes, message: str) -> None:
    text = content.decode("utf-8", "replace")
    for start in range(0, max(len(text) - 8, 1), 4):
        chunk = text[start : start + 8]
        if len(chunk) == 8 and chunk.isalnum():
            assert chunk not in message


def test_a_directory_at_the_key_path_is_refused(tmp_path: Path) -> None:
    key_path(tmp_path).mkdir(parents=True)
    with pytest.raises(ConfigError, match="is a directory") as raised:
        load_keys(local(tmp_path))
    assert "BOT_KEY_FILE" in str(raised.value)
    assert "BOT_SIGNING_KEY" in str(raised.value)


def test_a_key_path_that_is_not_a_regular_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not a regular file"):
        load_keys(local(tmp_path, BOT_KEY_FILE="/dev/null"))


def test_an_unreadable_key_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = key_path(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text(GOOD_SECRET + "\n")
    path.chmod(0o000)
    real_open = Path.open

    def refused(self: Path, *args: Any, **kwargs: Any) -> Any:  # also refused when tests run as root
        if self == path:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refused)
    with pytest.raises(ConfigError, match="Permission denied") as raised:
        load_keys(local(tmp_path))
    assert "BOT_SIGNING_KEY" in str(raised.value)
    assert GOOD_SECRET not in str(raised.value)


@pytest.mark.parametrize(
    "fail",
    [
        lambda patch: patch.setattr(Path, "mkdir", _raise(errno.EROFS)),
        lambda patch: patch.setattr("tempfile.mkstemp", _raise(errno.EACCES)),
        lambda patch: patch.setattr(os, "link", _raise(errno.EROFS)),
    ],
    ids=["mkdir", "temp-file", "link"],
)
def test_an_unwritable_key_directory_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fail: Callable[[pytest.MonkeyPatch], None]
) -> None:
    fail(monkeypatch)
    with pytest.raises(ConfigError) as raised:
        load_keys(local(tmp_path))
    assert "BOT_SIGNING_KEY" in str(raised.value)
    monkeypatch.undo()
    assert not key_path(tmp_path).exists()
    assert leftovers(key_path(tmp_path).parent) == []


def _raise(code: int) -> Callable[..., Any]:
    def fail(*args: Any, **kwargs: Any) -> Any:
        raise OSError(code, os.strerror(code))

    return fail


def test_an_existing_good_key_file_is_used_as_is(tmp_path: Path) -> None:
    path = key_path(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text(GOOD_SECRET + "\n")
    assert load_keys(local(tmp_path)) == Keys.from_secrets(GOOD_SECRET.encode())
    rotation = {"current": GOOD_SECRET, "previous": [GOOD_SECRET[::-1]]}
    path.write_text(json.dumps(rotation))
    keys = load_keys(local(tmp_path))
    assert keys == Keys.from_secrets(GOOD_SECRET.encode(), (GOOD_SECRET[::-1].encode(),))


# --- the same checks for BOT_SIGNING_KEY and Secrets Manager ---------------------------------------

WEAK = ["\x00" * 64, "k" * 40, "0" * 32, "01" * 20, "0123456789" * 4, "changeme" * 4, "short"]


@pytest.mark.parametrize("secret", WEAK)
def test_a_weak_bot_signing_key_is_refused(tmp_path: Path, secret: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_keys(local(tmp_path, BOT_SIGNING_KEY=secret))
    message = str(raised.value)
    assert message.startswith("BOT_SIGNING_KEY ")
    assert "token_urlsafe" in message  # says how to make a good one
    if len(secret) >= 8:
        assert secret[:8] not in message
    assert not key_path(tmp_path).exists()  # never falls back to the key file


def test_a_bot_signing_key_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    undecodable = os.fsdecode(b"\xff" * 8) + GOOD_SECRET  # how os.environ holds invalid UTF-8
    with pytest.raises(ConfigError, match="not valid UTF-8"):
        load_keys(local(tmp_path, BOT_SIGNING_KEY=undecodable))


class _SecretsManager:
    def __init__(self, value: str) -> None:
        self.value = value

    def get_secret_value(self, SecretId: str) -> dict[str, str]:  # noqa: N803 (boto3's name)
        return {"SecretString": self.value}


LAMBDA_ENV = {
    "AWS_LAMBDA_FUNCTION_NAME": "fn",
    "SESSION_TABLE": "t",
    "SIGNING_KEY_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:1:secret:signing",
    "AWS_REGION": "us-east-1",
}


@pytest.mark.parametrize(
    "value",
    [
        *WEAK,
        json.dumps({"current": "k" * 40}),
        json.dumps({"current": GOOD_SECRET, "previous": ["\x00" * 40]}),
        json.dumps({"current": GOOD_SECRET, "previous": "not-a-list-" + GOOD_SECRET}),
        json.dumps({"current": ["a", "list"]}),
    ],
)
def test_a_weak_secrets_manager_secret_is_refused(value: str) -> None:
    settings = Settings.from_env(LAMBDA_ENV)
    with pytest.raises(ConfigError) as raised:
        load_keys(settings, secretsmanager=_SecretsManager(value))
    message = str(raised.value)
    assert LAMBDA_ENV["SIGNING_KEY_SECRET_ARN"] in message
    assert "k" * 8 not in message
    assert "0" * 8 not in message


def test_good_secrets_manager_secrets_are_accepted() -> None:
    settings = Settings.from_env(LAMBDA_ENV)
    plain = load_keys(settings, secretsmanager=_SecretsManager(GOOD_SECRET))
    assert plain == Keys.from_secrets(GOOD_SECRET.encode())
    rotation = json.dumps({"current": GOOD_SECRET, "previous": [GOOD_SECRET.upper()]})
    rotated = load_keys(settings, secretsmanager=_SecretsManager(rotation))
    assert rotated == Keys.from_secrets(GOOD_SECRET.encode(), (GOOD_SECRET.upper().encode(),))


def test_random_secrets_and_the_test_suites_secrets_pass_the_checks() -> None:
    rng = random.Random(20250310)
    for _ in range(2000):
        assert secret_weakness(rng.randbytes(16).hex().encode()) is None  # 128 random bits as hex
        assert secret_weakness(rng.randbytes(32)) is None
    for fixture in (
        "test-secret-" + "k" * 40,  # tests/conftest.py
        "chat-test-" + "s" * 40,  # tests/functional/test_chat_cli.py
        "admin-test-secret-" + "s" * 32,  # tests/functional/test_admin_service.py
        "bench-secret-" + "b" * 40,  # bench/benchlib.py
    ):
        assert secret_weakness(fixture.encode()) is None, fixture


def test_keys_module_reads_no_key_file_when_a_key_is_set(tmp_path: Path) -> None:
    load_keys(local(tmp_path, BOT_SIGNING_KEY=GOOD_SECRET))
    assert not key_path(tmp_path).exists()
    assert keys_module.MIN_SECRET_BYTES == 32
