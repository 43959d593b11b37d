"""DynamoDB items <-> records: `bot.store.codec`'s plain items as attribute values, plus what
only DynamoDB stores (the GSI keys and the write token).

Item layout (single table, keys from `bot.store.layout`):

    STATE    pk = SESSION#<id>  sk = STATE
        version N, expires_at N (the table's TTL attribute), updated_at N, created_at N,
        message_count N, state S, extra S (each the JSON text of its str -> str map; items
        written before were maps, M of S, and still load), has_feedback BOOL, has_review BOOL,
        owner S / title S / context S            only when set
        feedback M {rating S, comment S, at N}   only when set
        review M {reviewer S, verdict S, notes S, at N}   only when set
        gsi2pk S = DAY#<day of updated_at>, gsi2sk S = <updated_at>#<id>   always
        gsi1pk S = USER#<owner>, gsi1sk S = <updated_at>#<id>              only with an owner
        wtok S   random token of the write that produced the item (see `DynamoDBStore.save`)
    MSG      pk = SESSION#<id>  sk = MSG#<index:010d>
        gen N (the record's created_at when written), at_ms N, expires_at N,
        msg S   the JSON text of {user, bot, sig; intent / source / slot only when set}
        feedback M                                                only when set
        (items written before had user S, bot L of S, sig S, intent S, ... as attributes of
        their own; they still load)
    PROFILE  pk = USER#<user_id>  sk = PROFILE
        data M (str -> S), version N, expires_at N, updated_at N

`state` and `extra` are one JSON string each rather than native maps, and so is a message's
content (what conditions and filters use, gen and expires_at, and what operators change,
feedback, stay attributes): a turn marshals (and
botocore validates, serialises and parses) one attribute instead of one per key, on both the
load and the save. They stay readable in the console and in exports. Map keys are non-empty
(DynamoDB's rule for the maps of older items), which `bot.store.checks` enforces everywhere.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from bot.jsontext import encoder
from bot.store import codec
from bot.store.layout import PROFILE_SK, STATE_SK, activity_sk, day_pk, session_pk, user_pk

if TYPE_CHECKING:
    from bot.store.base import MessageRecord, ProfileRecord, SessionRecord
    from bot.store.items import Stored

Item = dict[str, Any]

TTL_ATTRIBUTE = "expires_at"
# Condition fragment: the item is live (an item without the TTL attribute never expires).
LIVE = "(attribute_not_exists(#exp) OR #exp > :now)"

_TEXT = encoder(ensure_ascii=False)


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


def _map_text(mapping: dict[str, str]) -> str:
    return _TEXT(mapping)


def _text_map(stored: Any) -> dict[str, str]:
    """A stored state/extra: JSON text (this layout), a map (older items) or absent. Anything
    else is a ValueError naming no content (the store reports it as unavailable)."""
    if stored is None:
        return {}
    if isinstance(stored, str):
        try:
            stored = json.loads(stored)
        except ValueError:
            raise ValueError("a stored text map is not JSON") from None
    if not isinstance(stored, dict) or not all(isinstance(v, str) for v in stored.values()):
        raise ValueError("a stored text map is not a str -> str map")
    return stored


def state_from(plain_item: Item) -> Stored[SessionRecord]:
    """`codec.state_from` for a DynamoDB item already made plain (`from_item`)."""
    plain_item["state"] = _text_map(plain_item.get("state"))
    plain_item["extra"] = _text_map(plain_item.get("extra"))
    return codec.state_from(plain_item)


_MESSAGE_BODY = ("user", "bot", "sig", "intent", "source", "slot")


def message_item(message: MessageRecord, gen: int) -> Item:
    """A message item: its content packed into one `msg` attribute."""
    values = codec.message_item(message, gen)
    body = {name: values.pop(name) for name in _MESSAGE_BODY if name in values}
    values["msg"] = _TEXT(body)
    return to_item(values)


def message_from(plain_item: Item) -> Stored[MessageRecord]:
    """`codec.message_from` for a DynamoDB item already made plain, in either layout (both at
    once: the separate attributes win). A `msg` that is not the JSON of its content is a
    ValueError naming no content."""
    packed = plain_item.pop("msg", None)
    if packed is not None:
        try:
            body = json.loads(packed) if isinstance(packed, str) else None
        except ValueError:
            body = None
        if not isinstance(body, dict) or not _valid_body(body):
            raise ValueError("a stored message is not in the message layout")
        for name, part in body.items():  # an attribute beside `msg` was added by someone else:
            plain_item.setdefault(name, part)  # it wins, so the entry's signature check sees it
    return codec.message_from(plain_item)


def _valid_body(body: dict[str, Any]) -> bool:
    bot = body.get("bot", [])
    return (
        set(body) <= set(_MESSAGE_BODY)
        and isinstance(body.get("user", ""), str)
        and isinstance(body.get("sig", ""), str)
        and isinstance(bot, list)
        and all(isinstance(line, str) for line in bot)
        and all(isinstance(body.get(name, ""), str) for name in ("intent", "source", "slot"))
    )


def state_item(record: SessionRecord, token: str) -> Item:
    values = codec.state_item(record)
    values["state"], values["extra"] = _map_text(record.state), _map_text(record.extra)
    item = to_item(values)
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
