"""Artifact size: the unzipped `sam build` output of FulfillmentFunction, by distribution."""

from __future__ import annotations

import csv
import platform
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchlib import BENCH, EVENTS, ROOT, SCRATCH

BUILD_DIR = ROOT / ".aws-sam" / "build" / "FulfillmentFunction"
GOAL_BYTES = 25 * 1000 * 1000


def build() -> None:
    """`bash scripts/check-template.sh` (cfn-lint, sam validate, sam build, artifact checks)."""
    subprocess.run(["bash", "scripts/check-template.sh"], cwd=ROOT, check=True)


def _dist_name(dist_info: Path) -> str:
    metadata = dist_info / "METADATA"
    if metadata.is_file():
        for line in metadata.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("Name:"):
                return line.split(":", 1)[1].strip()
    return dist_info.name.split("-")[0]


def _largest_dirs(root: Path, top: str, owned: set[Path], limit: int = 3) -> list[dict[str, Any]]:
    """The biggest immediate children of `root/top` (files or folders) among `owned` files."""
    sizes: dict[str, int] = {}
    base = root / top
    for path in owned:
        try:
            rel = path.relative_to(base)
        except ValueError:
            continue
        key = rel.parts[0] + ("/" if len(rel.parts) > 1 else "")
        sizes[key] = sizes.get(key, 0) + path.stat().st_size
    ranked = sorted(sizes.items(), key=lambda kv: kv[1], reverse=True)[:limit]
    return [{"path": f"{top}/{name}", "bytes": size} for name, size in ranked]


def measure(root: Path = BUILD_DIR) -> dict[str, Any]:
    if not root.is_dir():
        return {"present": False, "path": str(root.relative_to(ROOT))}
    files = {p for p in root.rglob("*") if p.is_file() and not p.is_symlink()}
    total = sum(p.stat().st_size for p in files)
    owner: dict[Path, str] = {}
    tops: dict[str, set[str]] = {}
    for dist_info in sorted(root.glob("*.dist-info")):
        name = _dist_name(dist_info)
        record = dist_info / "RECORD"
        if not record.is_file():
            continue
        with record.open(encoding="utf-8", newline="") as handle:
            for row in csv.reader(handle):
                if not row:
                    continue
                path = (root / row[0]).resolve()
                if path in files:
                    owner[path] = name
                    rel = path.relative_to(root)
                    if len(rel.parts) > 1 and not rel.parts[0].endswith(".dist-info"):
                        tops.setdefault(name, set()).add(rel.parts[0])
    by_package: dict[str, int] = {}
    for path in files:
        name = owner.get(path)
        if name is None:
            top = path.relative_to(root).parts[0]
            name = f"{top} (ours)" if top in {"bot", "intents"} else f"{top} (no RECORD)"
        by_package[name] = by_package.get(name, 0) + path.stat().st_size
    ranked = sorted(by_package.items(), key=lambda kv: kv[1], reverse=True)
    detail = {}
    for name, _ in ranked[:2]:
        owned = {p for p, n in owner.items() if n == name}
        detail[name] = [d for top in sorted(tops.get(name, ())) for d in _largest_dirs(root, top, owned)]
    built = datetime.fromtimestamp((root / "bot" / "handler.py").stat().st_mtime, UTC)
    return {
        "present": True,
        "path": str(root.relative_to(ROOT)) if root.is_relative_to(ROOT) else str(root),
        "built": built.strftime("%Y-%m-%d %H:%M UTC"),
        "files": len(files),
        "pyc_files": sum(1 for p in files if p.suffix == ".pyc"),
        "bytes": total,
        "goal_bytes": GOAL_BYTES,
        "over_goal_bytes": total - GOAL_BYTES,
        "packages": [{"package": n, "bytes": b} for n, b in ranked],
        "largest_inside": detail,
    }


# -- a local copy of what Lambda runs ----------------------------------------------------------

LAMBDA = SCRATCH.parent / f"{SCRATCH.name}-lambda"  # .local/bench-lambda; rebuilt by each run
RUNTIME_DISTS = ("boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six", "urllib3")
# What SAM's default Python builder (PythonPipBuilder) puts in a lex-helper function's artifact:
# its requirements' wheels, unpacked, no bytecode. boto3/botocore come from the runtime for both
# sides (see RUNTIME_DISTS), which favours lex-helper: SAM would ship and compile them too.
PEER_DISTS = (
    "lex-helper",
    "pydantic",
    "pydantic-core",
    "annotated-types",
    "typing-extensions",
    "typing-inspection",
    "PyYAML",
)
DRIVERS = ("lambda_init.py", "turn_driver.py", "dynamo_driver.py", "marks.py")


def _copy_dist(name: str, dest: Path) -> int:
    """Copy one installed distribution's files (as its RECORD lists them, no bytecode, nothing
    outside site-packages) into `dest`; returns the file count."""
    from importlib.metadata import distribution

    dist = distribution(name)
    count = 0
    for file in dist.files or ():
        rel = Path(str(file))
        if rel.parts[0] == ".." or "__pycache__" in rel.parts or rel.suffix == ".pyc":
            continue
        source = Path(str(dist.locate_file(file)))
        if not source.is_file():
            continue
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
        count += 1
    return count


def _compile(path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "compileall",
            "-q",
            "-j",
            "0",
            "--invalidation-mode",
            "unchecked-hash",
            str(path),
        ],
        check=True,
    )


def _local_platform_flags() -> str:
    machine = platform.machine()
    return (
        f"--platform manylinux2014_{machine} --implementation cp --python-version "
        f"{sys.version_info[0]}.{sys.version_info[1]} --only-binary=:all: --no-binary=luhn --no-deps"
    )


_BUILD_INPUTS = ("Makefile", "requirements-lambda.txt", "bot", "intents", "examples/appointments")


def _committed_tree(dest: Path) -> Path:
    """The committed build inputs (`git archive HEAD`): what a commit ships, not whatever is being
    edited in the working tree; and the appointments example (the framework-floor bot)."""
    dest.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(
        ["git", "archive", "HEAD", *_BUILD_INPUTS],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest


def _make_build(dest: Path, tree: Path) -> bool:
    """`make build-FulfillmentFunction` (what `sam build` runs) for this machine's architecture:
    the target's aarch64 wheels cannot run here. False if pip could not fetch the wheels."""
    proc = subprocess.run(
        [
            "make",
            "-s",
            "build-FulfillmentFunction",
            f"ARTIFACTS_DIR={dest}",
            f"PYTHON={sys.executable}",
            f"PIP_TARGET_FLAGS={_local_platform_flags()}",
        ],
        cwd=tree,
        capture_output=True,
        text=True,
        check=False,
    )
    return proc.returncode == 0


def _venv_build(dest: Path, tree: Path) -> None:
    """The Makefile's recipe with the wheels this venv has installed (the same pins, this
    machine's architecture), for offline runs: bot/ and intents/ minus developer tools, the
    requirements-lambda.txt distributions, bytecode compiled unchecked-hash."""
    for top in ("bot", "intents"):
        shutil.copytree(tree / top, dest / top, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for gone in ("bot/dev", "bot/__main__.py", "bot/agent"):
        target = dest / gone
        shutil.rmtree(target) if target.is_dir() else target.unlink(missing_ok=True)
    for line in (tree / "requirements-lambda.txt").read_text(encoding="utf-8").splitlines():
        name = line.split("#", 1)[0].strip().split("==")[0]
        if name:
            _copy_dist(name, dest)
    shutil.rmtree(dest / "Crypto" / "SelfTest", ignore_errors=True)
    _compile(dest)


def prepare(*, use_make: bool) -> dict[str, Any]:
    """Fresh copies under .local/bench-lambda, then made read-only (as /var/task is):
    `ours` the fulfillment artifact as shipped (bytecode included), `peer` lex-helper as SAM's
    default builder ships it (no bytecode), `peer_pyc` the same compiled, `runtime` boto3 and
    botocore as the python3.13 runtime provides them (compiled), `drivers` the harness."""
    if LAMBDA.exists():
        subprocess.run(["chmod", "-R", "u+w", str(LAMBDA)], check=False)
        shutil.rmtree(LAMBDA)
    paths = {k: LAMBDA / k for k in ("ours", "peer", "peer_pyc", "runtime", "drivers")}
    for path in paths.values():
        path.mkdir(parents=True)
    tree = _committed_tree(LAMBDA / "tree")
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    how = f"make build-FulfillmentFunction of {commit} (local-arch wheels from the index)"
    if not (use_make and _make_build(paths["ours"], tree)):
        shutil.rmtree(paths["ours"])
        paths["ours"].mkdir()
        _venv_build(paths["ours"], tree)
        how = f"the Makefile's recipe on {commit} with this venv's installed wheels (offline)"
    for name in RUNTIME_DISTS:
        _copy_dist(name, paths["runtime"])
    _compile(paths["runtime"])
    for name in PEER_DISTS:
        _copy_dist(name, paths["peer"])
    shutil.copytree(paths["peer"], paths["peer_pyc"], dirs_exist_ok=True)
    _compile(paths["peer_pyc"])
    for name in DRIVERS:
        shutil.copy2(BENCH / name, paths["drivers"] / name)
    shutil.copytree(
        BENCH / "lexhelper_bot",
        paths["drivers"] / "lexhelper_bot",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    shutil.copytree(EVENTS, paths["drivers"] / "events")
    shutil.copytree(  # the framework-floor bot, from the same committed tree as the artifact
        tree / "examples" / "appointments" / "appointments",
        paths["drivers"] / "appointments",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    subprocess.run(["chmod", "-R", "a-w", str(LAMBDA)], check=True)
    ours = measure(paths["ours"])
    return {"how": how, "paths": {k: str(v) for k, v in paths.items()}, "ours": ours}


def cleanup() -> None:
    if LAMBDA.exists():
        subprocess.run(["chmod", "-R", "u+w", str(LAMBDA)], check=False)
        shutil.rmtree(LAMBDA, ignore_errors=True)
