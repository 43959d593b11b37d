"""The parameters of the DynamoDB store's requests: what each read and write sends, with the
conditions and filters that express the rules of `bot.store.items` (`LIVE`: no TTL attribute,
or one in the future; a visible message has its record's generation; an index is taken by a
live item of the same generation). `bot.store.dynamodb` sends them and maps the outcomes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.store import codec
from bot.store.dynamodb_codec import (
    LIVE,
    TTL_ATTRIBUTE,
    message_item,
    n,
    profile_item,
    profile_key,
    s,
    state_item,
    state_key,
    value,
)
from bot.store.layout import (
    GSI_TIME,
    GSI_USER,
    activity_sk,
    copy_profile,
    day_pk,
    message_sk,
    session_pk,
    user_pk,
)

if TYPE_CHECKING:
    from bot.store.base import ProfileRecord, SessionRecord
    from bot.store.items import (
        ExpiryTarget,
        FeedbackWrite,
        MessageWrite,
        Position,
        StateWrite,
        Stored,
        TimeQuery,
    )

Item = dict[str, Any]

# expected_version == 0: no item, or an expired one that TTL has not removed yet.
CONDITION_NEW = "attribute_not_exists(#pk) OR #exp <= :now"
# expected_version > 0: a live item that still carries the version the caller read.
CONDITION_VERSION = f"#ver = :expected AND {LIVE}"
# A message index is free when no item is there, or only one of another generation or expired.
CONDITION_MESSAGE_FREE = (
    "attribute_not_exists(#pk) OR attribute_not_exists(#gen) OR #gen <> :gen OR #exp <= :now"
)


def gen_condition(gen: int | None, values: Item) -> str:
    """`#gen` equals `gen` (None: the item has no generation, like its legacy STATE)."""
    if gen is None:
        return "attribute_not_exists(#gen)"
    values[":gen"] = n(gen)
    return "#gen = :gen"


def state_put(table: str, write: StateWrite, token: str, now: int) -> Item:
    """PutItem parameters (also a transaction's Put) of the whole record item."""
    put: Item = {"TableName": table, "Item": state_item(write.record, token)}
    if write.expected == 0:
        put["ConditionExpression"] = CONDITION_NEW
        put["ExpressionAttributeNames"] = {"#pk": "pk", "#exp": TTL_ATTRIBUTE}
        put["ExpressionAttributeValues"] = {":now": n(now)}
    else:
        put["ConditionExpression"] = CONDITION_VERSION
        put["ExpressionAttributeNames"] = {"#ver": "version", "#exp": TTL_ATTRIBUTE}
        put["ExpressionAttributeValues"] = {":expected": n(write.expected), ":now": n(now)}
    put["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
    return put


def message_put(table: str, write: MessageWrite, now: int) -> Item:
    return {
        "Put": {
            "TableName": table,
            "Item": message_item(write.message, write.gen),
            "ConditionExpression": CONDITION_MESSAGE_FREE,
            "ExpressionAttributeNames": {"#pk": "pk", "#gen": "gen", "#exp": TTL_ATTRIBUTE},
            "ExpressionAttributeValues": {":gen": n(write.gen), ":now": n(now)},
        }
    }


def profile_action(table: str, profile: ProfileRecord, now: int, *, expired: bool) -> Item:
    """A transaction's profile write. Last writer wins, but a transaction cannot read the old
    version: a live (or absent) profile counts up in place, an expired one is replaced at 1."""
    if expired:
        return {
            "Put": {
                "TableName": table,
                "Item": profile_item(copy_profile(profile, version=1, updated_at=now)),
                "ConditionExpression": "#exp <= :now",
                "ExpressionAttributeNames": {"#exp": TTL_ATTRIBUTE},
                "ExpressionAttributeValues": {":now": n(now)},
            }
        }
    update = _profile_update(
        table,
        profile,
        now,
        version="if_not_exists(#ver, :zero) + :one",
        condition=f"attribute_not_exists(#pk) OR {LIVE}",
    )
    update["ExpressionAttributeValues"][":zero"] = n(0)
    return {"Update": update}


def profile_update(table: str, profile: ProfileRecord, now: int) -> Item:
    """UpdateItem parameters counting up a live profile's version (put_profile)."""
    update = _profile_update(
        table, profile, now, version="#ver + :one", condition=f"attribute_exists(#pk) AND {LIVE}"
    )
    update["ReturnValues"] = "UPDATED_NEW"
    return update


def _profile_update(table: str, profile: ProfileRecord, now: int, *, version: str, condition: str) -> Item:
    return {
        "TableName": table,
        "Key": profile_key(profile.user_id),
        "UpdateExpression": f"SET #data = :data, #exp = :exp, #upd = :now, #ver = {version}",
        "ConditionExpression": condition,
        "ExpressionAttributeNames": {
            "#pk": "pk",
            "#data": "data",
            "#exp": TTL_ATTRIBUTE,
            "#upd": "updated_at",
            "#ver": "version",
        },
        "ExpressionAttributeValues": {
            ":data": value(profile.data),
            ":exp": n(profile.expires_at),
            ":now": n(now),
            ":one": n(1),
        },
    }


def feedback_actions(table: str, write: FeedbackWrite, token: str, now: int) -> list[Item]:
    """The message's feedback + the record's has_feedback, version + 1 and new activity keys
    (Updates: the rest of the record, its expiry included, is kept)."""
    record = write.state.value
    names = {"#ver": "version", "#exp": TTL_ATTRIBUTE, "#hf": "has_feedback", "#upd": "updated_at"}
    names.update({"#g2pk": "gsi2pk", "#g2sk": "gsi2sk", "#tok": "wtok"})
    values: Item = {
        ":v": n(record.version),
        ":v1": n(record.version + 1),
        ":now": n(now),
        ":true": {"BOOL": True},
        ":day": s(day_pk(now)),
        ":act": s(activity_sk(now, record.session_id)),
        ":tok": s(token),
    }
    update = "SET #hf = :true, #ver = :v1, #upd = :now, #g2pk = :day, #g2sk = :act, #tok = :tok"
    if record.owner is not None:
        names["#g1sk"] = "gsi1sk"
        update += ", #g1sk = :act"
    message_values: Item = {":fb": value(codec.feedback_value(write.feedback)), ":now": n(now)}
    generation = gen_condition(write.state.gen, message_values)
    return [
        {
            "Update": {
                "TableName": table,
                "Key": state_key(record.session_id),
                "UpdateExpression": update,
                "ConditionExpression": f"#ver = :v AND {LIVE}",
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": values,
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        },
        {
            "Update": {
                "TableName": table,
                "Key": {"pk": s(session_pk(record.session_id)), "sk": s(message_sk(write.index))},
                "UpdateExpression": "SET #fb = :fb",
                "ConditionExpression": f"attribute_exists(#pk) AND {generation} AND {LIVE}",
                "ExpressionAttributeNames": {
                    "#fb": "feedback",
                    "#pk": "pk",
                    "#gen": "gen",
                    "#exp": TTL_ATTRIBUTE,
                },
                "ExpressionAttributeValues": message_values,
            }
        },
    ]


def expiry_update(table: str, session_id: str, target: ExpiryTarget, until: int, now: int) -> Item:
    """UpdateItem raising one live item's expiry to `until` (never lowering it)."""
    names = {"#exp": TTL_ATTRIBUTE}
    values = {":until": n(until), ":now": n(now)}
    condition = "#exp < :until AND #exp > :now"
    if target.message:
        names["#gen"] = "gen"
        condition += " AND " + gen_condition(target.gen, values)
    return {
        "TableName": table,
        "Key": {"pk": s(session_pk(session_id)), "sk": s(target.sk)},
        "UpdateExpression": "SET #exp = :until",
        "ConditionExpression": condition,
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
    }


def within_retention(update: Item, floor: int) -> None:
    """Add to a STATE expiry update: only if the record was last active at or after `floor`
    (until - retention), so no record outlives its last activity by more than the retention."""
    update["ConditionExpression"] += " AND #upd >= :floor"
    update["ExpressionAttributeNames"]["#upd"] = "updated_at"
    update["ExpressionAttributeValues"][":floor"] = n(floor)


# -- reads ------------------------------------------------------------------------------------------


def load_query(table: str, session_id: str, window: int) -> Item:
    """STATE sorts after every MSG#: newest first, it comes first, then `window` messages."""
    return {
        "TableName": table,
        "KeyConditionExpression": "#pk = :pk",
        "ExpressionAttributeNames": {"#pk": "pk"},
        "ExpressionAttributeValues": {":pk": s(session_pk(session_id))},
        "ScanIndexForward": False,
        "ConsistentRead": True,
        "Limit": window + 1,
    }


def messages_query(state: Stored[SessionRecord], *, lo: int, hi: int, now: int, newest_first: bool) -> Item:
    """The visible messages with lo <= index <= hi (filtered server-side)."""
    values: Item = {
        ":pk": s(session_pk(state.value.session_id)),
        ":lo": s(message_sk(lo)),
        ":hi": s(message_sk(hi)),
        ":now": n(now),
    }
    return {
        "KeyConditionExpression": "#pk = :pk AND #sk BETWEEN :lo AND :hi",
        "FilterExpression": f"{gen_condition(state.gen, values)} AND {LIVE}",
        "ExpressionAttributeNames": {"#pk": "pk", "#sk": "sk", "#gen": "gen", "#exp": TTL_ATTRIBUTE},
        "ExpressionAttributeValues": values,
        "ScanIndexForward": not newest_first,
        "ConsistentRead": True,
    }


def expiries_query(session_id: str) -> Item:
    """Every item of the session: keys, expiry and generation only."""
    return {
        "KeyConditionExpression": "#pk = :pk",
        "ProjectionExpression": "#pk, #sk, #exp, #gen, #cre",
        "ExpressionAttributeNames": {
            "#pk": "pk",
            "#sk": "sk",
            "#exp": TTL_ATTRIBUTE,
            "#gen": "gen",
            "#cre": "created_at",
        },
        "ExpressionAttributeValues": {":pk": s(session_pk(session_id))},
        "ConsistentRead": True,
    }


def keys_query(session_id: str) -> Item:
    """Every key under the session (all generations), for delete."""
    return {
        "KeyConditionExpression": "#pk = :pk",
        "ProjectionExpression": "#pk, #sk",
        "ExpressionAttributeNames": {"#pk": "pk", "#sk": "sk"},
        "ExpressionAttributeValues": {":pk": s(session_pk(session_id))},
        "ConsistentRead": True,
    }


def user_listing(user_id: str, now: int, after: Position | None) -> tuple[Item | None, Item]:
    """(ExclusiveStartKey, Query parameters) of gsi1: the user's live records, newest first."""
    start_key = None
    if after is not None:
        start_key = {**state_key(after[1]), "gsi1pk": s(user_pk(user_id)), "gsi1sk": s(activity_sk(*after))}
    return start_key, {
        "IndexName": GSI_USER,
        "KeyConditionExpression": "#g1pk = :user",
        "FilterExpression": LIVE,
        "ExpressionAttributeNames": {"#g1pk": "gsi1pk", "#exp": TTL_ATTRIBUTE},
        "ExpressionAttributeValues": {":user": s(user_pk(user_id)), ":now": n(now)},
        "ScanIndexForward": False,
    }


def time_listing(query: TimeQuery, day: str, lower: int, upper: int, now: int) -> Item:
    """Query parameters of gsi2 for one UTC day: live records active in [lower, upper]."""
    names = {"#g2pk": "gsi2pk", "#g2sk": "gsi2sk", "#exp": TTL_ATTRIBUTE}
    values: Item = {
        ":day": s(day),
        ":lo": s(activity_sk(lower, "")),
        ":hi": s(activity_sk(upper, "")[:-1] + "$"),  # "$" follows "#": above every key of `upper`
        ":now": n(now),
    }
    filters = [LIVE]
    if query.has_feedback is not None:
        names["#hf"] = "has_feedback"
        if query.has_feedback:
            filters.append("#hf = :true")
            values[":true"] = {"BOOL": True}
        else:
            filters.append("(attribute_not_exists(#hf) OR #hf = :false)")
            values[":false"] = {"BOOL": False}
    if query.has_review is not None:
        names["#rv"] = "review"
        filters.append("attribute_exists(#rv)" if query.has_review else "attribute_not_exists(#rv)")
    return {
        "IndexName": GSI_TIME,
        "KeyConditionExpression": "#g2pk = :day AND #g2sk BETWEEN :lo AND :hi",
        "FilterExpression": " AND ".join(filters),
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
        "ScanIndexForward": False,
    }


def time_start_key(day: str, after: Position) -> Item:
    return {**state_key(after[1]), "gsi2pk": s(day), "gsi2sk": s(activity_sk(*after))}


def backfill_scan(table: str) -> Item:
    """The one Scan: items without an expiry, with what their expiry is computed from."""
    return {
        "TableName": table,
        "FilterExpression": "attribute_not_exists(#exp)",
        "ProjectionExpression": "#pk, #sk, #upd, #at",
        "ExpressionAttributeNames": {
            "#exp": TTL_ATTRIBUTE,
            "#pk": "pk",
            "#sk": "sk",
            "#upd": "updated_at",
            "#at": "at_ms",
        },
    }


def give_expiry(table: str, pk: str, sk: str, expires_at: int) -> Item:
    """UpdateItem giving an item an expiry, unless it got one meanwhile."""
    return {
        "TableName": table,
        "Key": {"pk": s(pk), "sk": s(sk)},
        "UpdateExpression": "SET #exp = :exp",
        "ConditionExpression": "attribute_not_exists(#exp)",
        "ExpressionAttributeNames": {"#exp": TTL_ATTRIBUTE},
        "ExpressionAttributeValues": {":exp": n(expires_at)},
    }
