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


# -- User-Agent: what botocore builds, built once per set of feature ids ------------------------

FEATURES = sorted(__import__("botocore.useragent", fromlist=["x"])._USERAGENT_FEATURE_MAPPINGS)


def _botocores_agent(made: object) -> str:
    from botocore.useragent import UserAgentString

    return str(UserAgentString.to_string(made._user_agent_creator))  # type: ignore[attr-defined]


@settings(max_examples=60, deadline=None)
@given(rounds=st.lists(st.lists(st.sampled_from(FEATURES), max_size=4), min_size=1, max_size=6))
def test_the_user_agent_is_the_one_botocore_builds_for_those_features(rounds: list[list[str]]) -> None:
    from botocore.context import start_as_current_context
    from botocore.useragent import register_feature_id

    made = aws.client("dynamodb", region_name="us-east-1")
    creator = made._user_agent_creator
    for features in rounds:  # repeats come from the memory, new sets from botocore
        with start_as_current_context():
            for feature in features:
                register_feature_id(feature)
            assert creator.to_string() == _botocores_agent(made)
    assert creator.to_string() == _botocores_agent(made)  # outside any request context


def test_past_the_bound_sets_are_built_each_time_and_still_right() -> None:
    from botocore.context import start_as_current_context
    from botocore.useragent import register_feature_id

    made = aws.client("dynamodb", region_name="us-east-1")
    subsets = [[a, b] for a in FEATURES[:9] for b in FEATURES[9:18]]
    assert len(subsets) > aws._KNOWN_FEATURE_SETS
    for features in subsets + subsets[:3]:
        with start_as_current_context():
            for feature in features:
                register_feature_id(feature)
            assert made._user_agent_creator.to_string() == _botocores_agent(made)


def test_requests_carry_the_header_a_plain_botocore_client_sends() -> None:
    """The header on the wire, request after request, against a client the same botocore session
    built as it always does, with the same configuration (retries and app id show in the
    header). The same session: its credentials are resolved once, and only the client built
    while resolving them carries the credentials' feature id, as in botocore."""
    from botocore.awsrequest import AWSResponse
    from botocore.config import Config

    config = Config(retries={"mode": "standard", "max_attempts": 3}, user_agent_appid="bench-app")
    sent: dict[str, list[str]] = {"ours": [], "plain": []}

    class _Raw:
        def stream(self, **_: object) -> object:
            yield b'{"Items": [], "Count": 0, "ScannedCount": 0}'

    def answering(side: str) -> object:
        def send(request: object, **_: object) -> AWSResponse:
            headers = request.headers  # type: ignore[attr-defined]
            agent = headers["User-Agent"]
            sent[side].append(agent.decode() if isinstance(agent, bytes) else agent)
            plain_json = {"Content-Type": "application/x-amz-json-1.0"}
            return AWSResponse(request.url, 200, plain_json, _Raw())  # type: ignore[attr-defined]

        return send

    ours = aws.client("dynamodb", region_name="us-east-1", config=config)
    plain = aws._session.create_client("dynamodb", region_name="us-east-1", config=config)
    for side, made in (("ours", ours), ("plain", plain)):
        made.meta.events.register("before-send.dynamodb.*", answering(side))
        for _ in range(3):
            made.query(
                TableName="t", KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "x"}}
            )
        made.get_item(TableName="t", Key={"pk": {"S": "x"}})
    assert sent["ours"] == sent["plain"]
    assert len(set(sent["ours"])) == 1
    assert "app/bench-app" in sent["ours"][0]
