"""Reports of conversation runs: PASS/FAIL lines, failures and transcripts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.dev.simulator.conversations import ConversationReport, TurnRecord


# --------------------------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------------------------


def format_report(report: ConversationReport, *, transcript: bool | None = None) -> str:
    """`PASS name`, or `FAIL name` with every failure and the transcript, the failing turns
    marked `>>`. `transcript=True` prints the transcript of a passing conversation too."""
    conversation = report.conversation
    where = f"  ({conversation.path})" if conversation.path else ""
    lines = [f"PASS {report.name}" if report.passed else f"FAIL {report.name}{where}"]
    if not report.passed and conversation.clock is not None:
        lines.append(f"  clock pinned at {conversation.clock}")
    if not report.passed:
        lines += [f"  {failure}" for failure in report.failures]
    if transcript or (transcript is None and not report.passed):
        lines += _transcript(report)
    if report.crash:
        lines += ["  traceback:", *("    " + line for line in report.crash.rstrip().splitlines())]
    return "\n".join(lines)


def _transcript(report: ConversationReport) -> list[str]:
    lines = ["  transcript:"]
    for record in report.records:
        mark = ">>" if record.failures else "  "
        turn = record.turn
        if turn.user is None:
            verb, forged = (
                ("replaces", turn.replace_attributes)
                if turn.replace_attributes is not None
                else ("forges", turn.forge_attributes or {})
            )
            lines.append(f"  {mark}{record.number:3d}  (client {verb} attributes: {_attrs(forged)})")
            continue
        mode = "" if record.input_mode == "Text" else f" [{record.input_mode}]"
        lines.append(f"  {mark}{record.number:3d}  user: {turn.user}{mode}")
        result = record.result
        if result is None:
            lines.append("         (no result: the run stopped here)")
            lines += [f"               handler error: {e}" for e in _unreported(record)]
            lines += [f"         ✗ {failure.split(': ', 1)[-1]}" for failure in record.failures]
            continue
        for message in result.messages or ["(no message)"]:
            lines.append(f"         bot:  {message}")
        state = " ".join(
            str(part)
            for part in (result.dialog_action, result.intent, result.slot_to_elicit, result.intent_state)
            if part
        )
        nlu = f" · nlu {result.nlu_intent} {result.nlu_confidence or 0:.2f}" if result.nlu_intent else ""
        lines.append(f"               [{state}{nlu}]")
        if record.security_events:
            lines.append(f"               security events: {', '.join(record.security_events)}")
        lines += [f"               handler error: {e}" for e in _unreported(record)]
        if record.failures:
            shown = {k: v for k, v in result.session_attributes.items() if k != "sig"}
            lines.append(f"               attributes: {_attrs(shown)}")
            lines += [f"         ✗ {failure.split(': ', 1)[-1]}" for failure in record.failures]
    for failure in report.final_failures:
        lines.append(f"  >> ✗ {failure}")
    return lines


def _unreported(record: TurnRecord) -> list[str]:
    """The turn's handler errors that no failure line shows already (an expected one, say)."""
    return [e for e in record.handler_errors if not any(e in failure for failure in record.failures)]


def _attrs(attributes: Mapping[str, str | None]) -> str:
    return ", ".join(f"{k}={v}" for k, v in attributes.items()) or "{}"


def summarize(reports: Sequence[ConversationReport]) -> str:
    passed = sum(r.passed for r in reports)
    return f"{passed} passed, {len(reports) - passed} failed"
