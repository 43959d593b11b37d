"""Signing, sealing, keys and settings."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from hypothesis import given
from hypothesis import strategies as st
from moto import mock_aws

from bot.config import ConfigError, Settings
from bot.payments import PaymentSettings
from bot.security import sealing, signing
from bot.security.keys import Keys, derive, load_keys
from bot.store.memory import MemoryStore
from intents.app import app as reference_app

KEY = b"k" * 32
ROTATED = "current-signing-secret-7Hq2Zx9Lw4Rv8Tn3"  # varied enough for load_keys' checks


@given(
    st.dictionaries(st.text(max_size=10), st.text(max_size=30), max_size=8), st.text(min_size=2, max_size=20)
)
def test_any_change_to_any_attribute_breaks_the_signature(
    attributes: dict[str, str], session_id: str
) -> None:
    signed = {**attributes, "sig": signing.sign(KEY, session_id, attributes)}
    assert signing.verify((KEY,), session_id, signed)
    assert not signing.verify((KEY,), session_id + "x", signed)
    assert not signing.verify((b"o" * 32,), session_id, signed)
    assert not signing.verify((KEY,), session_id, {**signed, "extra": "1"})
    for key, value in attributes.items():
        assert not signing.verify((KEY,), session_id, {**signed, key: value + "!"})
        assert not signing.verify((KEY,), session_id, {k: v for k, v in signed.items() if k != key})


def test_signature_is_versioned_and_rotation_verifies_previous_keys() -> None:
    old, new = Keys.from_secrets(b"o" * 40), Keys.from_secrets(b"n" * 40, (b"o" * 40,))
    attributes = {"status": "collecting"}
    signed = {**attributes, "sig": signing.sign(old.signing, "s1", attributes)}
    assert signed["sig"].startswith("v2.")
    assert signing.verify(new.verifying, "s1", signed)
    assert not signing.verify(Keys.from_secrets(b"n" * 40).verifying, "s1", signed)


def test_sealing_is_bound_to_session_and_slot() -> None:
    keys = Keys.from_secrets(b"s" * 40)
    token = sealing.seal(keys.sealing[0], "4242424242424242", session_id="s1", slot="CardNumber")
    assert "4242" not in token
    assert sealing.unseal(keys.sealing, token, session_id="s1", slot="CardNumber") == "4242424242424242"
    assert sealing.unseal(keys.sealing, token, session_id="s2", slot="CardNumber") is None
    assert sealing.unseal(keys.sealing, token, session_id="s1", slot="SecurityCode") is None
    assert (
        sealing.unseal(Keys.from_secrets(b"t" * 40).sealing, token, session_id="s1", slot="CardNumber")
        is None
    )
    assert sealing.unseal(keys.sealing, token[:-2], session_id="s1", slot="CardNumber") is None
    assert sealing.unseal(keys.sealing, "sealed.v1.!!!", session_id="s1", slot="CardNumber") is None
    assert sealing.unseal(keys.sealing, "sealed.v1." + "A" * 600, session_id="s1", slot="CardNumber") is None


def test_keys_are_independent_per_purpose() -> None:
    keys = Keys.from_secrets(b"m" * 40)
    assert len({keys.signing, keys.sealing[0], keys.ids}) == 3
    assert derive(b"m" * 40, "a") != derive(b"m" * 40, "b")


def test_short_secrets_are_refused() -> None:
    with pytest.raises(ConfigError, match="at least 32 bytes"):
        Keys.from_secrets(b"short")


def test_local_key_file_is_generated_once_with_owner_only_permissions(tmp_path: Path) -> None:
    settings = Settings.from_env({"BOT_LOCAL_DIR": str(tmp_path), "BOT_STORE": "memory"})
    first = load_keys(settings)
    path = tmp_path / "signing.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_keys(settings) == first


@mock_aws
def test_keys_come_from_secrets_manager_under_lambda(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    client = boto3.client("secretsmanager", region_name="us-east-1")
    arn = client.create_secret(
        Name="lexbot/signing", SecretString='{"current": "' + ROTATED + '", "previous": []}'
    )["ARN"]
    env = {
        "AWS_LAMBDA_FUNCTION_NAME": "fn",
        "SESSION_TABLE": "t",
        "SIGNING_KEY_SECRET_ARN": arn,
        "STRIPE_SECRET_ARN": arn,
        "AWS_REGION": "us-east-1",
    }
    settings = Settings.from_env(env)
    assert load_keys(settings, secretsmanager=client) == Keys.from_secrets(ROTATED.encode())
    missing = Settings.from_env({**env, "SIGNING_KEY_SECRET_ARN": arn + "-nope"})
    with pytest.raises(ConfigError, match="could not read secret"):
        load_keys(missing, secretsmanager=client)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "SESSION_TABLE is required"),
        ({"SESSION_TABLE": "t"}, "SIGNING_KEY_SECRET_ARN is required"),
        ({"SESSION_TABLE": "t", "SIGNING_KEY_SECRET_ARN": "arn:x"}, "STRIPE_SECRET_ARN is required"),
        (
            {"SESSION_TABLE": "t", "SIGNING_KEY_SECRET_ARN": "arn:x", "BOT_SIGNING_KEY": "k" * 40},
            "not accepted under Lambda",
        ),
        (
            {"SESSION_TABLE": "t", "SIGNING_KEY_SECRET_ARN": "arn:x", "PAYMENT_GATEWAY": "offline"},
            "offline is refused",
        ),
        (
            {"SIGNING_KEY_SECRET_ARN": "arn:x", "STRIPE_SECRET_ARN": "arn:y", "BOT_STORE": "sqlite"},
            "local-only",
        ),
    ],
)
def test_lambda_settings_fail_fast_with_no_secret_defaults(env: dict[str, str], message: str) -> None:
    """The framework's settings, then the settings of the reference bot's card capture part (read
    when the app is built, at init): either fails the cold start."""

    def cold_start() -> None:
        settings = Settings.from_env({"AWS_LAMBDA_FUNCTION_NAME": "fn", **env})
        reference_app.build(settings, keys=Keys.from_secrets(b"k" * 40), store=MemoryStore())

    with pytest.raises(ConfigError, match=message):
        cold_start()


def test_a_bot_without_card_capture_needs_no_payment_settings_under_lambda() -> None:
    from bot.app import App
    from bot.session import Session

    env = {"AWS_LAMBDA_FUNCTION_NAME": "fn", "SESSION_TABLE": "t", "SIGNING_KEY_SECRET_ARN": "arn:x"}
    plain = App("Plain", session=Session)
    pipeline = plain.build(Settings.from_env(env), keys=Keys.from_secrets(b"k" * 40), store=MemoryStore())
    assert pipeline.services.parts == {}


def test_local_defaults_are_sqlite_and_offline() -> None:
    settings = Settings.from_env({})
    payments = PaymentSettings.from_env({}, in_lambda=False)
    assert (settings.store, payments.gateway, settings.session_ttl_seconds) == ("sqlite", "offline", 3600)
    with pytest.raises(ConfigError, match="SESSION_TTL_SECONDS"):
        Settings.from_env({"SESSION_TTL_SECONDS": "soon"})


def test_a_missing_table_fails_the_lambda_cold_start_not_a_turn() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "SESSION_", "SIGNING_"))}
    env["AWS_LAMBDA_FUNCTION_NAME"] = "fn"
    result = subprocess.run(
        [sys.executable, "-c", "import bot.handler"], capture_output=True, text=True, env=env, check=False
    )
    assert result.returncode != 0
    assert "SESSION_TABLE is required" in result.stderr
