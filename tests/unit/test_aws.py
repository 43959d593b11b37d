"""`bot.aws`: botocore clients from one session per container, without boto3, and a loader that
answers "is this a service?" by looking at that service only."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from botocore.loaders import Loader
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import aws

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")


def test_clients_work_and_share_one_session() -> None:
    from moto import mock_aws

    with mock_aws():
        dynamodb = aws.client("dynamodb", region_name="us-east-1")
        dynamodb.create_table(
            TableName="t",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        secrets = aws.client("secretsmanager", region_name="us-east-1")
        secrets.create_secret(Name="s", SecretString="value")
        assert dynamodb.list_tables()["TableNames"] == ["t"]
        assert secrets.get_secret_value(SecretId="s")["SecretString"] == "value"
    loader = aws._session.get_component("data_loader")
    assert type(loader).__name__ == "_Loader"
    assert aws._session is not None


def test_an_unknown_service_is_refused_with_botocores_error() -> None:
    from botocore.exceptions import UnknownServiceError

    with pytest.raises(UnknownServiceError) as raised:
        aws.client("no-such-service", region_name="us-east-1")
    assert "dynamodb" in str(raised.value)  # botocore's message lists the real services


REAL = Loader()
LISTED = set(REAL.list_available_services("service-2"))


@settings(max_examples=80, deadline=None)
@given(
    name=st.one_of(
        st.sampled_from(sorted(LISTED)),
        st.text(alphabet="abcdefghijklmnopqrstuvwxyz-./\\_", max_size=20),
        st.sampled_from(["..", ".", "", "../botocore", "dynamodb/..", "/etc", "dynamodb/2012-08-10"]),
    ),
    type_name=st.sampled_from(["service-2", "paginators-1", "waiters-2", "endpoint-rule-set-1"]),
)
def test_membership_is_botocores_listing(name: str, type_name: str) -> None:
    ours = aws._loader_class()().list_available_services(type_name)
    assert (name in ours) == (name in set(REAL.list_available_services(type_name)))


def test_the_listing_itself_is_botocores() -> None:
    ours = aws._loader_class()().list_available_services("service-2")
    assert list(ours) == REAL.list_available_services("service-2")
    assert len(ours) == len(LISTED)
    assert ours[0] == min(LISTED)
    assert ours[-2:] == sorted(LISTED)[-2:]


def test_boto3_is_never_imported() -> None:
    code = (
        "import json, sys\n"
        "from bot import aws\n"
        "aws.client('dynamodb', region_name='us-east-1')\n"
        "aws.client('secretsmanager', region_name='us-east-1')\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'boto3', 's3transfer', 'multiprocessing'})))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == []
