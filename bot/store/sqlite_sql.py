"""The SQLite store's statements. Their WHERE clauses express the rules of `bot.store.items`:

- live: `expires_at IS NULL OR expires_at > :now` (NULL: a legacy item without expiry);
- visible message: a live STATE row of the same `gen` (`m.gen IS s.gen`) and itself live;
- message keys sort between "MSG#" and "MSG$" ("$" follows "#").
"""

from __future__ import annotations

STATE_COLUMNS = "pk, data, version, expires_at, updated_at, owner, gen, has_feedback"

SELECT_STATE = f"SELECT {STATE_COLUMNS} FROM items WHERE pk = :pk AND sk = 'STATE'"  # noqa: S608

# load(): the live STATE row and its newest `window` visible messages, one SELECT on the key.
LOAD = """
SELECT 'STATE', pk, data, version, expires_at, updated_at, owner, gen, has_feedback FROM items
WHERE pk = :pk AND sk = 'STATE' AND (expires_at IS NULL OR expires_at > :now)
UNION ALL
SELECT * FROM (
    SELECT m.sk, m.pk, m.data, 0, m.expires_at, 0, NULL, m.gen, 0
    FROM items AS s JOIN items AS m ON m.pk = s.pk
    WHERE s.pk = :pk AND s.sk = 'STATE' AND (s.expires_at IS NULL OR s.expires_at > :now)
      AND m.sk > 'MSG#' AND m.sk < 'MSG$' AND m.gen IS s.gen
      AND (m.expires_at IS NULL OR m.expires_at > :now)
    ORDER BY m.sk DESC LIMIT :window
)
"""

MESSAGES = """
SELECT m.sk, m.data, m.expires_at, m.gen
FROM items AS s JOIN items AS m ON m.pk = s.pk
WHERE s.pk = :pk AND s.sk = 'STATE' AND (s.expires_at IS NULL OR s.expires_at > :now)
  AND m.sk > :after AND m.sk < 'MSG$' AND m.gen IS s.gen
  AND (m.expires_at IS NULL OR m.expires_at > :now)
ORDER BY m.sk LIMIT :limit
"""

EXPIRIES = "SELECT sk, expires_at, gen FROM items WHERE pk = :pk"

SELECT_PROFILE = "SELECT data, version, expires_at, updated_at FROM items WHERE pk = :pk AND sk = 'PROFILE'"

# expected_version == 0: insert, or take over a row that has expired (it counts as absent).
INSERT_STATE = """
INSERT INTO items (pk, sk, data, version, expires_at, updated_at, owner, gen, has_feedback, has_review)
VALUES (:pk, 'STATE', :data, :version, :expires_at, :now, :owner, :gen, :has_feedback, :has_review)
ON CONFLICT (pk, sk) DO UPDATE SET
    data = excluded.data, version = excluded.version, expires_at = excluded.expires_at,
    updated_at = excluded.updated_at, owner = excluded.owner, gen = excluded.gen,
    has_feedback = excluded.has_feedback, has_review = excluded.has_review
WHERE items.expires_at <= :now
"""

# expected_version > 0: the live row must still carry the version the caller read.
UPDATE_STATE = """
UPDATE items SET
    data = :data, version = :version, expires_at = :expires_at, updated_at = :now,
    owner = :owner, gen = :gen, has_feedback = :has_feedback, has_review = :has_review
WHERE pk = :pk AND sk = 'STATE' AND version = :expected AND (expires_at IS NULL OR expires_at > :now)
"""

# A message must be new: an existing item at its key only gives way if expired or of another
# generation (left over from an expired predecessor of this session id).
INSERT_MESSAGE = """
INSERT INTO items (pk, sk, data, version, expires_at, updated_at, gen)
VALUES (:pk, :sk, :data, 0, :expires_at, :now, :gen)
ON CONFLICT (pk, sk) DO UPDATE SET
    data = excluded.data, version = 0, expires_at = excluded.expires_at,
    updated_at = excluded.updated_at, gen = excluded.gen, owner = NULL, has_feedback = 0, has_review = 0
WHERE items.gen IS NOT excluded.gen OR items.expires_at <= :now
"""

STATE_FEEDBACK = """
UPDATE items SET has_feedback = 1, version = version + 1, updated_at = :now
WHERE pk = :pk AND sk = 'STATE' AND version = :version AND (expires_at IS NULL OR expires_at > :now)
"""

MESSAGE_FEEDBACK = """
UPDATE items SET data = json_set(data, '$.feedback', json(:feedback))
WHERE pk = :pk AND sk = :sk AND gen IS :gen AND (expires_at IS NULL OR expires_at > :now)
"""

# Unconditional; a profile that was absent or expired starts again at version 1.
UPSERT_PROFILE = """
INSERT INTO items (pk, sk, data, version, expires_at, updated_at)
VALUES (:pk, 'PROFILE', :data, 1, :expires_at, :now)
ON CONFLICT (pk, sk) DO UPDATE SET
    data = excluded.data,
    version = CASE WHEN items.expires_at <= :now THEN 1 ELSE items.version + 1 END,
    expires_at = excluded.expires_at, updated_at = excluded.updated_at
RETURNING version
"""

# retain: never lowers an expiry; NULL (a legacy item without one) is already kept.
RAISE_STATE_EXPIRY = """
UPDATE items SET expires_at = :until
WHERE pk = :pk AND sk = 'STATE' AND expires_at > :now AND expires_at < :until
"""

RAISE_MESSAGE_EXPIRY = """
UPDATE items SET expires_at = :until
WHERE pk = :pk AND sk = :sk AND gen IS :gen AND expires_at > :now AND expires_at < :until
"""

LIST_BY_USER = f"""
SELECT {STATE_COLUMNS} FROM items INDEXED BY items_gsi1
WHERE sk = 'STATE' AND owner = :owner AND (expires_at IS NULL OR expires_at > :now)
  AND (updated_at, pk) < (:before, :before_pk)
ORDER BY updated_at DESC, pk DESC LIMIT :limit
"""  # noqa: S608

LIST_BY_TIME = f"""
SELECT {STATE_COLUMNS} FROM items INDEXED BY items_gsi2
WHERE sk = 'STATE' AND updated_at >= :start AND updated_at < :upper
  AND (expires_at IS NULL OR expires_at > :now)
  AND (updated_at, pk) < (:before, :before_pk)
  AND (:has_feedback IS NULL OR has_feedback = :has_feedback)
  AND (:has_review IS NULL OR has_review = :has_review)
ORDER BY updated_at DESC, pk DESC LIMIT :limit
"""  # noqa: S608

# The automatic purge (every `purge_every` writes): at most :batch expired items, found on
# items_expiry; messages left without a live STATE go when they expire themselves (or by PURGE).
PURGE_EXPIRED_BATCH = """
DELETE FROM items WHERE rowid IN (
    SELECT rowid FROM items INDEXED BY items_expiry WHERE expires_at <= :now LIMIT :batch
)
"""

DELETE_SESSION = "DELETE FROM items WHERE pk = ?"
DELETE_PROFILE = "DELETE FROM items WHERE pk = ? AND sk = 'PROFILE'"

# purge_expired: every item that reads as absent (expired, or a message without a live STATE
# of its generation).
PURGE = """
DELETE FROM items
WHERE expires_at <= :now
   OR (sk > 'MSG#' AND sk < 'MSG$' AND NOT EXISTS (
        SELECT 1 FROM items AS s
        WHERE s.pk = items.pk AND s.sk = 'STATE' AND s.gen IS items.gen
          AND (s.expires_at IS NULL OR s.expires_at > :now)))
"""
