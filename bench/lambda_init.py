"""One Lambda init in this interpreter, as the benchmark runs it in a fresh one (under callgrind).

    python bench/lambda_init.py ours [--turn]   # `bot.handler` under Lambda's environment
    python bench/lambda_init.py lex_helper      # `import lex_helper`

`sys.path` is set by the caller (PYTHONPATH): the artifact copy first, then the "runtime" copy of
boto3/botocore that the Lambda python3.13 runtime provides. `ours` sets the fulfillment function's
environment from template.yaml and imports `bot.handler`, which under Lambda builds the app at
import: two Secrets Manager reads (signing key, user-token secret; the Stripe key is read by the
first turn that tokenizes a card), the DynamoDB client, logging. The network is stubbed at
botocore's HTTP session (`URLLib3Session.send` answers from memory; everything above it —
signing, serialization, parsing, retries — runs as deployed).
`--turn` then runs one CollectName turn (the DynamoDB GetItem/PutItem answered the same way).
"""

from __future__ import annotations

import json
import os
import sys

from marks import mark  # bench/marks.py: only os and time

SECRETS = {
    "arn:aws:secretsmanager:us-east-1:123456789012:secret:signing": "bench-init-" + "s3cr3t-K3y-" * 5,
    "arn:aws:secretsmanager:us-east-1:123456789012:secret:stripe": "sk_test_" + "4eC39HqLyjWDarjtT1zdp7dc",
    "arn:aws:secretsmanager:us-east-1:123456789012:secret:tokens": "bench-tokens-" + "t0k3n-S3cr3t-" * 4,
}
ENV = {
    "AWS_LAMBDA_FUNCTION_NAME": "bench-fulfillment",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
    "BOT_APP": "intents.app:app",
    "BOT_STORE": "dynamodb",
    "SESSION_TABLE": "bench-sessions",
    "PAYMENT_GATEWAY": "stripe",
    "STRIPE_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:stripe",
    "SIGNING_KEY_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:signing",
    "USER_TOKEN_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:tokens",
    "SESSION_TTL_SECONDS": "3600",
    "LOG_LEVEL": "INFO",
    "POWERTOOLS_SERVICE_NAME": "lex-payment-bot",
}


def _stub_network() -> None:
    from botocore.awsrequest import AWSResponse
    from botocore.httpsession import URLLib3Session

    class _Raw:
        def __init__(self, body: bytes) -> None:
            self._body = body

        def stream(self, *_: object, **__: object) -> object:
            yield self._body

    def send(self: object, request: object) -> AWSResponse:
        target = dict(request.headers).get("X-Amz-Target", b"")  # type: ignore[attr-defined]
        target = target.decode() if isinstance(target, bytes) else str(target)
        body: dict[str, object] = {}
        if target.endswith("GetSecretValue"):
            arn = json.loads(request.body)["SecretId"]  # type: ignore[attr-defined]
            body = {"ARN": arn, "Name": arn.rsplit(":", 1)[-1], "SecretString": SECRETS[arn]}
        raw = json.dumps(body).encode()
        headers = {"Content-Type": "application/x-amz-json-1.1", "x-amzn-RequestId": "bench"}
        return AWSResponse(request.url, 200, headers, _Raw(raw))  # type: ignore[attr-defined]

    URLLib3Session.send = send  # type: ignore[assignment,method-assign]


def main(argv: list[str]) -> int:
    which = argv[0] if argv else "ours"
    if which == "lex_helper":
        import lex_helper  # noqa: F401

        mark()  # the end of init
        return 0
    os.environ.update(ENV)
    _stub_network()
    import bot.handler

    mark()  # the end of init
    if "--turn" in argv:
        here = os.path.dirname(os.path.abspath(__file__))
        events = os.path.join(here, "events")
        with open(os.path.join(events, "CollectName_DialogCodeHook.json"), encoding="utf-8") as f:
            event = json.load(f)
        bot.handler.lambda_handler(event, None)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
