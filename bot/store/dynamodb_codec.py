"""DynamoDB items <-> records: `bot.store.codec`'s plain items as attribute values, plus what
only DynamoDB stores (the GSI keys and the write token).

Item layout (single table, keys from `bot.store.layout`):

    STATE    pk = SESSION#<id>  sk = STATE
        version N, expires_at N (the table's TTL attribute), updated_at N, created_at N,
        message_count N, state M (str -> S), extra M (str -> S), has_feedback BOOL, has_review BOOL,
        owner S / title S / context S            only when set
        feedback M {rating S, comment S, at N}   only when set
        review M {reviewer S, verdict S, notes S, at N}   only when set
        gsi2pk S = DAY#<day of updated_at>, gsi2sk S = <updated_at>#<id>   always
        gsi1pk S = USER#<owner>, gsi1sk S = <updated_at>#<id>              only with an owner
        wtok S   random token of the write that produced the item (see `DynamoDBStore.save`)
    MSG      pk = SESSION#<id>  sk = MSG#<index:010d>
        gen N (the record's created_at when written), at_ms N, user S, bot L of S, sig S,
        expires_at N, intent S / source S / slot S / feedback M   only when set
    PROFILE  pk = USER#<user_id>  sk = PROFILE
        data M (str -> S), version N, expires_at N, updated_at N

`state` is a native map rather than a JSON string: it stays readable in the console and in
exports. The cost is DynamoDB's rule that map keys are non-empty, which `bot.store.checks`
enforces for every backend.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.store import codec
from bot.store.layout import PROFILE_SK, STATE_SK, activity_sk, day_pk, session_pk, user_pk

if TYPE_CHECKING:
    from bot.store.base import ProfileRecord, SessionRecord

Item = dict[str, Any]

TTL_ATTRIBUTE = "expires_at"
# Condition fragment: the item is live (an item without the TTL attribute never expires).
LIVE = "(attribute_not_exists(#exp) OR #exp > :now)"


def value(plain: Any) -> Item:
    """A plain value (str, int, bool, list, dict) as a DynamoDB attribute value."""
    if isinstance(plain, bool):
        return {"BOOL": plain}
    if isinstance(plain, int):
        return {"N": str(plain)}
    if isinstance(plain, str):
        return {"S": plain}
    if isinstance(plain, list):
        return {"L": [value(part) for part in plain]}
    if isinstance(plain, dict):
        return {"M": {key: value(part) for key, part in plain.items()}}
    raise TypeError(f"no DynamoDB attribute value for {type(plain).__name__}")


def plain(attribute: Item) -> Any:
    """A DynamoDB attribute value as a plain value (numbers are ints in this table)."""
    (kind, content), *_ = attribute.items()
    if kind == "S":
        return content
    if kind == "N":
        return int(content)
    if kind == "BOOL":
        return bool(content)
    if kind == "L":
        return [plain(part) for part in content]
    if kind == "M":
        return {key: plain(part) for key, part in content.items()}
    if kind == "NULL":
        return None
    raise ValueError(f"unexpected DynamoDB attribute type {kind}")


def to_item(values: Item) -> Item:
    return {name: value(part) for name, part in values.items()}


def from_item(item: Item) -> Item:
    return {name: plain(part) for name, part in item.items()}


def n(number: int) -> Item:
    return {"N": str(number)}


def s(text: str) -> Item:
    return {"S": text}


def state_key(session_id: str) -> Item:
    return {"pk": s(session_pk(session_id)), "sk": s(STATE_SK)}


def profile_key(user_id: str) -> Item:
    return {"pk": s(user_pk(user_id)), "sk": s(PROFILE_SK)}


def state_item(record: SessionRecord, token: str) -> Item:
    item = to_item(codec.state_item(record))
    activity = s(activity_sk(record.updated_at, record.session_id))
    item.update(gsi2pk=s(day_pk(record.updated_at)), gsi2sk=activity, wtok=s(token))
    if record.owner is not None:
        item.update(gsi1pk=s(user_pk(record.owner)), gsi1sk=activity)
    return item


def profile_item(profile: ProfileRecord) -> Item:
    return to_item(codec.profile_item(profile))


def write_token(item: Item | None) -> str | None:
    token = (item or {}).get("wtok", {}).get("S")
    return token if isinstance(token, str) else None
