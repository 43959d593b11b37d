# Build of the Lambda artifact, run by `sam build` (template.yaml: Metadata.BuildMethod: makefile).
# SAM sets ARTIFACTS_DIR; the artifact gets only runtime code (bot/, intents/) and the wheels of
# requirements-lambda.txt for the python3.13 arm64 runtime (manylinux2014_aarch64, cp313).
# Cross-platform: no container is needed, pip downloads the aarch64 wheels.

# python3.13 must be a working interpreter first on PATH (scripts/check-template.sh arranges it; a
# pyenv shim for an inactive version is not enough). The target platform and version are passed
# to pip explicitly, so the wheels match the Lambda runtime whatever machine builds them.
PYTHON ?= python3.13
# Bytecode for the runtime's Python, checked by source hash only at compile time (unchecked-hash):
# /var/task is read-only and a zip round trip loses the timestamps a default .pyc is checked
# against, so without this every cold start compiles every module it imports.
COMPILE = $(PYTHON) -m compileall -q -j 0 --invalidation-mode unchecked-hash
PIP_TARGET_FLAGS = --platform manylinux2014_aarch64 --implementation cp --python-version 3.13 \
	--only-binary=:all: --no-binary=luhn --no-deps

.PHONY: build-FulfillmentFunction build-SessionAdminFunction build-WalletAgentFunction

build-FulfillmentFunction:
	test -n "$(ARTIFACTS_DIR)"
	cp -R bot intents "$(ARTIFACTS_DIR)/"
	rm -rf "$(ARTIFACTS_DIR)/bot/dev" "$(ARTIFACTS_DIR)/bot/__main__.py"  # developer tools are not shipped
	rm -rf "$(ARTIFACTS_DIR)/bot/agent"  # the Bedrock Agent action group: its own artifact (Powertools)
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --no-compile \
		--target "$(ARTIFACTS_DIR)" $(PIP_TARGET_FLAGS) -r requirements-lambda.txt
	find "$(ARTIFACTS_DIR)" -type d -name __pycache__ -prune -exec rm -rf {} +
	rm -rf "$(ARTIFACTS_DIR)/bin" "$(ARTIFACTS_DIR)/Crypto/SelfTest"  # console scripts; pycryptodome's own tests (1.8 MB)
	$(COMPILE) "$(ARTIFACTS_DIR)"

# The session admin function (handler bot.admin.handler) ships the same artifact: sam runs this
# target with its own ARTIFACTS_DIR, and the prerequisite's recipe builds into it.
build-SessionAdminFunction: build-FulfillmentFunction

# The Bedrock Agent action group (handler bot.agent.handler): the same artifact, plus bot/agent and
# Powertools (BedrockAgentResolver), which the Lex functions do not carry.
build-WalletAgentFunction: build-FulfillmentFunction
	cp -R bot/agent "$(ARTIFACTS_DIR)/bot/"
	rm -f "$(ARTIFACTS_DIR)/bot/agent/schema.py"  # a developer tool (writes openapi.json)
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --no-compile \
		--target "$(ARTIFACTS_DIR)" $(PIP_TARGET_FLAGS) -r requirements-agent.txt
	find "$(ARTIFACTS_DIR)" -type d -name __pycache__ -prune -exec rm -rf {} +
	$(COMPILE) "$(ARTIFACTS_DIR)"
