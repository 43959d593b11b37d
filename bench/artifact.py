"""Artifact size: the unzipped `sam build` output of FulfillmentFunction, by distribution."""

from __future__ import annotations

import csv
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchlib import ROOT

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
        "path": str(root.relative_to(ROOT)),
        "built": built.strftime("%Y-%m-%d %H:%M UTC"),
        "files": len(files),
        "pyc_files": sum(1 for p in files if p.suffix == ".pyc"),
        "bytes": total,
        "goal_bytes": GOAL_BYTES,
        "over_goal_bytes": total - GOAL_BYTES,
        "packages": [{"package": n, "bytes": b} for n, b in ranked],
        "largest_inside": detail,
    }
