"""Warm turn: per-call time of one code-hook invocation, ours vs lex-helper, on the same event.

Ours: `build_app(...)` (offline gateway, signing, sealing) with the memory store and with the
SQLite store (a WAL file under .local/bench). Theirs: a module-level `LexHelper` dispatching to
`bench/lexhelper_bot/intents/<intent>.py`.

Each scenario is a real event from events/ at a real point of the conversation:

* our App keeps trusted state in its store, so every timed call gets its own pre-generated
  sessionId whose store record is seeded (untimed) with the state the conversation had at that
  point, and whose event carries the attributes our previous response would have sent Lex
  (signed for that sessionId). No call ever sees a record written by an earlier timed call.
* lex-helper keeps state only in session attributes: its event carries the attributes its own
  previous response would have sent (`previous_attributes`), as Lex would send them back.

Every call gets its own pre-built copy of the event (lex-helper mutates the event it is given).
Per batch: build the copies and seed the store, `gc.collect()`, then time the loop with
`perf_counter_ns`. Batches of the three variants are interleaved (rotating order); the figure is
the median over batches of the mean per call. A warm-up batch of each variant is discarded.
"""

from __future__ import annotations

import cProfile
import gc
import json
import os
import pstats
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchlib import EXPIRY, ROOT, SCRATCH, load_event, median, new_session_id

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


def _opening(client: Any) -> None:
    client.say("I'd like to make a payment", intent="CollectName")


def _named(client: Any) -> None:
    _opening(client)
    client.say("John")
    client.say("Smith")


def _card_ready(client: Any) -> None:
    _named(client)
    client.say("4242 4242 4242 4242")
    client.say(EXPIRY)
    client.say("123")  # tokenized; the Confirm read-back is pending


@dataclass(frozen=True)
class Scenario:
    label: str
    event: str  # events/<event>.json
    prefix: Callable[[Any], None] | None  # the conversation so far (None: the first turn)
    lh_attrs: dict[str, str]  # lex-helper's attributes at the same point
    expect: tuple[str, str | None]  # (dialogAction.type, slotToElicit) of both bots' reply
    what: str = ""


SCENARIOS = (
    Scenario(
        "CollectName",
        "CollectName_DialogCodeHook_full_name",
        _opening,
        {"step": "name"},
        ("ElicitSlot", "CardNumber"),
        "first and last name given -> ask for the card",
    ),
    Scenario(
        "CollectCard (card number)",
        "CollectCard_DialogCodeHook",
        _named,
        {"step": "card", "first_name": "John", "last_name": "Smith"},
        ("ElicitSlot", "ExpirationDate"),
        "card number given -> validated, sealed -> ask for the expiry",
    ),
    Scenario(
        "Confirm (fulfillment)",
        "Confirm_FulfillmentCodeHook",
        _card_ready,
        {"step": "confirm", "first_name": "John", "last_name": "Smith", "card_last4": "4242"},
        ("Close", None),
        "Confirmed -> commit (offline gateway) -> close",
    ),
    Scenario(
        "WalletAddress",
        "WalletAddress_DialogCodeHook",
        None,
        {},
        ("Close", None),
        "first turn, address given -> EIP-55 check -> close",
    ),
    Scenario(
        "FallbackIntent",
        "FallbackIntent_DialogCodeHook",
        _named,
        {"step": "card", "first_name": "John", "last_name": "Smith"},
        ("ElicitSlot", "CardNumber"),
        "mid-payment -> re-ask for the card",
    ),
)


@dataclass
class Variant:
    name: str
    handler: Handler
    make_events: Callable[[int], list[dict[str, Any]]]  # untimed: copies (and store seeding)
    batches: list[float] = field(default_factory=list)  # ns per call

    def run_batch(self, n: int) -> float:
        events = self.make_events(n)
        handler = self.handler
        gc.collect()
        started = time.perf_counter_ns()
        for event in events:
            handler(event, None)
        return (time.perf_counter_ns() - started) / n


def _prior_state(scenario: Scenario) -> dict[str, str]:
    """The trusted state our bot holds at the scenario's point of the conversation."""
    if scenario.prefix is None:
        return {}
    from benchlib import settings

    from bot.dev.testing import LexTestClient
    from bot.handler import build_app
    from bot.store.memory import MemoryStore

    store = MemoryStore()
    client = LexTestClient(build_app(settings("memory"), store=store).handle)
    scenario.prefix(client)
    record = store.get(client.session_id, now=int(time.time()))
    assert record is not None
    return dict(record.state)


def _ours_factory(app: Any, scenario: Scenario) -> Callable[[int], list[dict[str, Any]]]:
    from bot.security import records, signing
    from bot.store.base import SessionRecord

    state = _prior_state(scenario)
    template = load_event(scenario.event)
    template["sessionState"]["sessionAttributes"] = {}
    text = json.dumps(template)

    def make(n: int) -> list[dict[str, Any]]:
        now = int(time.time())
        events = []
        for _ in range(n):
            sid = new_session_id()
            event = json.loads(text)
            event["sessionId"] = sid
            if state:
                record = records.seal(
                    app.services.keys.signing, SessionRecord(sid, dict(state), expires_at=now + 3600)
                )
                app.store.put(record, expected_version=0, now=now)  # as the bot writes it: with its MAC
                attributes = dict(state)
                binding = signing.Binding(version=1, expires_at=now + 3600)
                attributes[signing.SIGNATURE_KEY] = signing.sign(
                    app.services.keys.signing, sid, state, binding
                )
                event["sessionState"]["sessionAttributes"] = attributes
            events.append(event)
        return events

    return make


def _theirs_factory(scenario: Scenario) -> Callable[[int], list[dict[str, Any]]]:
    from lexhelper_bot import previous_attributes

    template = load_event(scenario.event)
    template["sessionState"]["sessionAttributes"] = previous_attributes(**scenario.lh_attrs)
    text = json.dumps(template)

    def make(n: int) -> list[dict[str, Any]]:
        events = []
        for _ in range(n):
            event = json.loads(text)
            event["sessionId"] = new_session_id()
            events.append(event)
        return events

    return make


def _outcome(response: dict[str, Any]) -> tuple[str, str | None]:
    action = response["sessionState"]["dialogAction"]
    return action["type"], action.get("slotToElicit")


def _check(variant: Variant, scenario: Scenario) -> str:
    response = variant.handler(variant.make_events(1)[0], None)
    got = _outcome(response)
    if got != scenario.expect:
        raise RuntimeError(f"{variant.name} / {scenario.label}: expected {scenario.expect}, got {got}")
    return " ".join(m.get("content", "") for m in response.get("messages", []))


def _apps() -> dict[str, Any]:
    from benchlib import settings

    from bot.handler import build_app

    SCRATCH.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        (SCRATCH / f"warm.sqlite3{suffix}").unlink(missing_ok=True)
    return {"memory": build_app(settings("memory")), "sqlite": build_app(settings("sqlite"))}


def _close(apps: dict[str, Any]) -> None:
    for app in apps.values():
        close = getattr(app.store, "close", None)
        if close is not None:
            close()
    for suffix in ("", "-wal", "-shm"):
        (SCRATCH / f"warm.sqlite3{suffix}").unlink(missing_ok=True)


def run(batch: int, batches: int, warmup: int) -> dict[str, Any]:
    from lexhelper_bot import make_helper

    apps = _apps()
    helper = make_helper()
    results: list[dict[str, Any]] = []
    try:
        for scenario in SCENARIOS:
            variants = [
                Variant("ours (memory)", apps["memory"].handle, _ours_factory(apps["memory"], scenario)),
                Variant("ours (sqlite)", apps["sqlite"].handle, _ours_factory(apps["sqlite"], scenario)),
                Variant("lex-helper", helper.handler, _theirs_factory(scenario)),
            ]
            replies = {v.name: _check(v, scenario) for v in variants}
            for v in variants:
                v.run_batch(warmup)
            for i in range(batches):
                for v in variants[i % 3 :] + variants[: i % 3]:
                    v.batches.append(v.run_batch(batch))
            row: dict[str, Any] = {
                "scenario": scenario.label,
                "event": scenario.event,
                "what": scenario.what,
                "replies": replies,
                "calls_per_batch": batch,
                "batches": batches,
            }
            for v in variants:
                row[v.name] = {"ns_per_call_median": median(v.batches), "ns_per_call_batches": v.batches}
            theirs = row["lex-helper"]["ns_per_call_median"]
            row["ratio_memory"] = row["ours (memory)"]["ns_per_call_median"] / theirs
            row["ratio_sqlite"] = row["ours (sqlite)"]["ns_per_call_median"] / theirs
            results.append(row)
    finally:
        _close(apps)
    return {"scenarios": results}


# -- profile ----------------------------------------------------------------------------------


def _label(func: tuple[str, int, str]) -> str:
    filename, line, name = func
    if filename == "~":  # a builtin or C method: "<method 'execute' of 'sqlite3.Connection' objects>"
        match = re.fullmatch(r"<method '(\w+)' of '([\w.]+)' objects>", name)
        return f"{match.group(2).rsplit('.', 1)[-1]}.{match.group(1)}" if match else name.strip("<>")
    for marker in ("site-packages/", f"{ROOT}/", f"python{sys.version_info[0]}.{sys.version_info[1]}/"):
        if marker in filename:
            filename = filename.split(marker, 1)[1]
            break
    return f"{filename}:{line}({name})"


def _find(stats: dict[Any, Any], filename_end: str, name: str) -> Any:
    for func in stats:
        if func[0].endswith(filename_end) and func[2] == name:
            return func
    return None


def _callees(stats: dict[Any, Any], parent: Any) -> list[tuple[str, float]]:
    """(callee, cumulative s spent in it when called from `parent`), largest first."""
    out = []
    for func, (_, _, _, _, callers) in stats.items():
        if parent in callers:
            out.append((_label(func), callers[parent][3]))
    return sorted(out, key=lambda kv: kv[1], reverse=True)


def _inside(raw: dict[Any, Any], name: str, total: float, depth: int = 2) -> list[dict[str, Any]]:
    """The main callees of `name` (down to `depth` levels) when it has a single caller."""
    func = next(f for f in raw if _label(f) == name)
    if depth == 0 or len(raw[func][4]) != 1:
        return []
    return [
        {"function": c, "share": s / total, "inside": _inside(raw, c, total, depth - 1)}
        for c, s in _callees(raw, func)[:2]
        if s / total >= 0.05
    ]


def profile(calls: int, store: str = "memory", labels: tuple[str, ...] = ()) -> dict[str, Any]:
    """cProfile of our App over every scenario as the benchmark runs them (Lambda logging to
    /dev/null, a full history window): where a warm turn's time goes.

    `breakdown` splits `Pipeline._attempt`'s cumulative time (the whole turn) by its direct
    callees; a callee called only from it is split one level further. `labels` limits it to some scenarios.
    """
    import logging

    import turn_driver

    specs = [s for s in scenario_specs() if not labels or s["label"] in labels]
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    try:
        app = turn_driver._our_app({"env": _driver_env({"BOT_STORE": store})}, store)
        prepared = []
        for spec in specs:
            make = turn_driver._seeder(app, spec)
            for _ in range(20):  # warm
                app.handle(make(), None)
            prepared.append([make() for _ in range(calls)])
        profiler = cProfile.Profile()
        gc.collect()
        profiler.enable()
        for events in prepared:
            for event in events:
                app.handle(event, None)
        profiler.disable()
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    chosen = specs
    stats = pstats.Stats(profiler)
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    handle = _find(raw, "bot/pipeline.py", "_attempt")  # one try at the turn: all of its work
    total = raw[handle][3] if handle else stats.total_tt  # type: ignore[attr-defined]
    n = calls * len(chosen)
    breakdown = []
    if handle:
        for name, seconds in _callees(raw, handle)[:10]:
            func = next(f for f in raw if _label(f) == name)
            only_from_handle = set(raw[func][4]) == {handle}
            children = [
                {"function": c, "share": s / total, "inside": _inside(raw, c, total)}
                for c, s in (_callees(raw, func)[:4] if only_from_handle else [])
                if s / total >= 0.01
            ]
            breakdown.append({"function": name, "share": seconds / total, "children": children})
    own = sorted(raw.items(), key=lambda kv: kv[1][2], reverse=True)[:10]
    return {
        "store": store,
        "scenarios": [s["label"] for s in chosen],
        "calls": n,
        "profiled_us_per_call": total / n * 1e6,
        "breakdown": breakdown,
        "top_self": [
            {"function": _label(f), "self_share": v[2] / total, "calls_per_turn": v[1] / n} for f, v in own
        ],
    }


def logging_cost(batch: int, batches: int) -> dict[str, Any]:
    """Per-call cost of the per-turn JSON log line Lambda's logging setup emits (to /dev/null).

    `build_app` alone leaves logging unconfigured (INFO records are dropped at the level check);
    under Lambda `get_app()` calls `configure_logging("INFO")`, so every turn formats, redacts
    and writes one JSON line. Batches with and without that setup alternate on one app.
    """
    import logging
    import os

    from bot.logs import configure_logging

    apps = _apps()
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    plain: list[float] = []
    logged: list[float] = []
    try:
        app = apps["memory"]
        variant = Variant("ours (memory)", app.handle, _ours_factory(app, SCENARIOS[1]))
        with open(os.devnull, "w", encoding="utf-8") as devnull:
            for i in range(batches + 1):
                for with_logs in (i % 2 == 0, i % 2 != 0):
                    if with_logs:
                        configure_logging("INFO", stream=devnull)
                    try:
                        value = variant.run_batch(batch)
                    finally:
                        root.handlers[:] = saved[0]
                        root.setLevel(saved[1])
                    if i:  # the first round is a warm-up
                        (logged if with_logs else plain).append(value)
    finally:
        _close(apps)
    return {
        "scenario": SCENARIOS[1].label,
        "plain_ns": median(plain),
        "logged_ns": median(logged),
        "extra_ns": median(logged) - median(plain),
    }


# -- instruction counts (callgrind) from the artifact copy -------------------------------------

WINDOW = 10  # HISTORY_WINDOW's default (bot.config): every seeded session has a full window


def _conversation_so_far(scenario: Scenario) -> dict[str, Any]:
    """The session our bot holds at the scenario's point, from a real conversation: small talk
    ("hello", WINDOW turns) and then the scenario's own turns, so the history window is full and
    everything that rides with the record (the state, its server-side extras, the parts' context
    such as the generative help's summary and memory, the message count) is what a real session
    has there.
    Returns the record's fields and the window's entries as `new_entry` arguments."""
    if scenario.prefix is None:
        return {"state": {}, "extra": {}, "context": "", "message_count": 0, "history": []}
    return _held_after(None, scenario.prefix)


def _held_after(app: Any, prefix: Callable[[Any], None] | None) -> dict[str, Any]:
    """Play small talk ("hello", WINDOW turns) then `prefix` through `app` (default: the
    reference bot) on a memory store; the record's fields and the window's entries it holds then."""
    from benchlib import settings

    from bot.dev.testing import LexTestClient
    from bot.handler import build_app
    from bot.store.memory import MemoryStore

    store = MemoryStore()
    client = LexTestClient(build_app(settings("memory"), app=app, store=store).handle)
    for _ in range(WINDOW):
        client.say("hello", intent="FallbackIntent")
    if prefix is not None:
        prefix(client)
    record, messages = store.load(client.session_id, now=int(time.time()), window=WINDOW)
    assert record is not None
    assert len(messages) == WINDOW
    return {
        "state": dict(record.state),
        "extra": dict(record.extra),
        "context": record.context,
        "message_count": record.message_count,
        "history": [
            {"user": m.user, "bot": list(m.bot), "intent": m.intent, "source": m.source, "slot": m.slot}
            for m in messages
        ],
    }


FLOOR_APP = "appointments.app:app"  # examples/appointments: a second bot on the framework
FLOOR_DIR = ROOT / "examples" / "appointments"


def floor_spec() -> dict[str, Any]:
    """The framework's own cost of a turn: the appointments example (no opt-in parts, no card
    data, no remembered users) answering FallbackIntent with nothing in progress, set up as the
    scenarios are (Lambda logging, memory store, a full window of its own real turns). What is
    left is the turn's path itself: parse and verify, restore, route, reply, sign, save the
    record and the history entry, the log line, metrics."""
    from bot.loader import load_app

    fallback = next(s for s in SCENARIOS if s.label == "FallbackIntent")
    return {
        "label": "framework floor (appointments example, FallbackIntent)",
        "event": load_event(fallback.event),
        **_held_after(load_app(FLOOR_APP, app_dir=FLOOR_DIR), None),
        "expect": ["ElicitIntent", None],
    }


def scenario_specs() -> list[dict[str, Any]]:
    from lexhelper_bot import previous_attributes

    specs = []
    for scenario in SCENARIOS:
        held = _conversation_so_far(scenario)
        theirs = load_event(scenario.event)
        theirs["sessionState"]["sessionAttributes"] = previous_attributes(**scenario.lh_attrs)
        theirs["sessionId"] = new_session_id()
        specs.append(
            {
                "label": scenario.label,
                "event": load_event(scenario.event),
                "state": held["state"],
                "extra": held["extra"],
                "context": held["context"],
                "message_count": held["message_count"],
                "history": held["history"],
                "lex_helper_event": theirs,
                "lh_attrs": scenario.lh_attrs,
                "expect": list(scenario.expect),
            }
        )
    return specs


def lambda_env(paths: dict[str, str], *peer: str) -> dict[str, str]:
    """A child's environment: the artifact copy (or `peer`) then the runtime's boto3 on the path;
    the benchmark's settings; no Lambda variables (the app is built by the driver)."""
    from benchlib import SECRET

    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_LAMBDA_", "PYTHON", "BOT_"))}
    env.update(
        {
            "PYTHONPATH": os.pathsep.join([*(peer or (paths["ours"],)), paths["runtime"], paths["drivers"]]),
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONHASHSEED": "0",
            "AWS_REGION": "us-east-1",
        }
    )
    env["BOT_SIGNING_KEY"] = SECRET
    return env


def _driver_env(spec_env: dict[str, str]) -> dict[str, str]:
    from benchlib import SECRET

    return {
        "BOT_STORE": "memory",
        "PAYMENT_GATEWAY": "offline",
        "BOT_SIGNING_KEY": SECRET,
        "LOG_LEVEL": "INFO",
        "HISTORY_WINDOW": str(WINDOW),
        "SESSION_TABLE": "bench-sessions",
        "AWS_REGION": "us-east-1",
        "BOT_LOCAL_DIR": str(SCRATCH),
        "BOT_SQLITE_PATH": str(SCRATCH / "turns.sqlite3"),
        **spec_env,
    }


def count_turns(
    paths: dict[str, str],
    side: str,
    scenarios: list[dict[str, Any]],
    *,
    calls: int,
    warmup: int,
    native: bool = False,
    env: dict[str, str] | None = None,
    app: str | None = None,
) -> list[float]:
    """Instructions per turn of each scenario for one side (one process under callgrind); `app`:
    the `BOT_APP` our side builds (default: the reference bot)."""
    import callgrind

    spec = {
        "side": side,
        "scenarios": scenarios,
        "calls": calls,
        "warmup": warmup,
        "env": _driver_env(env or {}),
        "app": app,
    }
    SCRATCH.mkdir(parents=True, exist_ok=True)
    spec_path = SCRATCH / f"spec-{side}.json"
    spec_path.write_text(json.dumps(spec), encoding="utf-8")
    peer = (paths["peer_pyc"],) if side.startswith("lex_helper") else ()
    python = getattr(sys, "_base_executable", sys.executable)
    parts = callgrind.run(
        [python, "-S", str(Path(paths["drivers"]) / "turn_driver.py"), str(spec_path)],
        env=lambda_env(paths, *peer),
        cwd=str(SCRATCH),
        native=native,
    )
    timed = parts[1 : 2 * len(scenarios) : 2]  # part k+1 lies between marks k and k+1
    if len(timed) != len(scenarios):
        raise RuntimeError(f"{side}: expected {2 * len(scenarios)} marks, got parts {parts}")
    return [t / calls for t in timed]


def record_dynamodb(paths: dict[str, str], scenarios: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per scenario, ours and the anchor: one turn's event and the HTTP responses a moto table gave
    it (bench/dynamo_driver.py `record`), recorded in a child running the artifact's code (moto
    from this venv, last on its path) so the items are exactly what the artifact writes."""
    site = next(p for p in sys.path if p.endswith("site-packages"))
    out = SCRATCH / "recorded.json"
    spec = {
        "side": "record",
        "scenarios": scenarios,
        "calls": 0,
        "warmup": 0,
        "env": _driver_env({}),
        "out": str(out),
    }
    spec_path = SCRATCH / "spec-record.json"
    spec_path.write_text(json.dumps(spec), encoding="utf-8")
    env = lambda_env(paths)
    env["PYTHONPATH"] += os.pathsep + site
    python = getattr(sys, "_base_executable", sys.executable)
    import subprocess

    proc = subprocess.run(
        [python, "-S", str(Path(paths["drivers"]) / "turn_driver.py"), str(spec_path)],
        env=env,
        cwd=str(SCRATCH),
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"recording the DynamoDB turns failed:\n{proc.stderr[-3000:]}")
    recorded: list[dict[str, Any]] = json.loads(out.read_text(encoding="utf-8"))
    return recorded


def instructions(paths: dict[str, str], *, calls: int, warmup: int, native: bool = False) -> dict[str, Any]:
    """Warm-turn instructions per intent (memory store) and on the DynamoDB path, ours vs
    lex-helper, every side in its own process under callgrind, from the artifact copy."""
    specs = scenario_specs()
    ours = count_turns(paths, "ours", specs, calls=calls, warmup=warmup, native=native)
    theirs = count_turns(paths, "lex_helper", specs, calls=calls, warmup=warmup, native=native)
    # The same turns with a one-entry window (HISTORY_WINDOW=1): what the window's entries cost.
    one = count_turns(
        paths, "ours", specs, calls=calls, warmup=warmup, native=native, env={"HISTORY_WINDOW": "1"}
    )
    rows = []
    for spec, o, t, w1 in zip(specs, ours, theirs, one, strict=True):
        rows.append(
            {
                "scenario": spec["label"],
                "ours": o,
                "lex_helper": t,
                "ratio": o / t,
                "window": len(spec["history"]),
                "ours_window_1": w1,
            }
        )
    # The framework's floor, against lex-helper's FallbackIntent turn measured above.
    (floor,) = count_turns(
        paths, "ours", [floor_spec()], calls=calls, warmup=warmup, native=native, app=FLOOR_APP
    )
    peer = next(row["lex_helper"] for row in rows if row["scenario"] == "FallbackIntent")
    floor_row = {"scenario": "FallbackIntent", "ours": floor, "lex_helper": peer, "ratio": floor / peer}
    recorded = record_dynamodb(paths, specs)
    ours_dyn = [
        {**s, "event": r["ours"]["event"], "responses": r["ours"]["responses"]}
        for s, r in zip(specs, recorded, strict=True)
    ]
    theirs_dyn = [
        {**s, "event": r["theirs"]["event"], "responses": r["theirs"]["responses"]}
        for s, r in zip(specs, recorded, strict=True)
    ]
    d_ours = count_turns(paths, "dynamodb", ours_dyn, calls=calls, warmup=warmup, native=native)
    d_theirs = count_turns(
        paths, "lex_helper_dynamodb", theirs_dyn, calls=calls, warmup=warmup, native=native
    )
    dynamo_rows = []
    for spec, rec, o, t in zip(specs, recorded, d_ours, d_theirs, strict=True):
        dynamo_rows.append(
            {
                "scenario": spec["label"],
                "ours": o,
                "anchor": t,
                "ratio": o / t,
                "ours_requests": {k: len(v) for k, v in rec["ours"]["responses"].items()},
                "anchor_requests": {k: len(v) for k, v in rec["theirs"]["responses"].items()},
            }
        )
    return {
        "calls": calls,
        "warmup": warmup,
        "window": WINDOW,
        "memory": rows,
        "floor": floor_row,
        "dynamodb": dynamo_rows,
    }


def sqlite_turns(
    paths: dict[str, str], sizes: tuple[int, ...], *, calls: int, warmup: int, native: bool = False
) -> dict[str, Any]:
    """Instructions per CollectCard turn on the SQLite store, on a file already holding N
    sessions (90% expired; bench/store_sqlite.py's seeding), one child per size."""
    import store_sqlite

    card = [s for s in scenario_specs() if s["label"].startswith("CollectCard")]
    out: dict[str, Any] = {"scenario": card[0]["label"], "sizes": {}}
    for n in sizes:
        path = SCRATCH / f"turns-{n}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        store_sqlite._seed(path, n, 0.9)
        [per_turn] = count_turns(
            paths,
            "sqlite",
            card,
            calls=calls,
            warmup=warmup,
            native=native,
            env={"BOT_SQLITE_PATH": str(path)},
        )
        out["sizes"][str(n)] = per_turn
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    return out
