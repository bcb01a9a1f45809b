# One entry point for every routine task; each target builds .venv from nothing when it is missing.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
PYTEST_ARGS ?=
# The frozen contract: wire changes against this commit fail `buf breaking` (FILE rules).
# Move it forward only with a deliberate, reviewed contract change.
PROTO_BASELINE ?= bdd9527c36914b830a3fa07fd9fe072d366457a6

LOCK    := requirements/lock.txt

.PHONY: run test lint protos check-protos bench bench-ci test-faults test-scale test-cluster fuzz clean lock check-lock \
        stubs check-stubs test-production

# Installs exactly the hash-pinned lock (service + [embedded] + [dev]), then the project without deps.
$(STAMP): pyproject.toml $(LOCK)
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q --require-hashes -r $(LOCK)
	$(BIN)/pip install -q --no-deps -e .
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/amauta-node serve

test: $(STAMP) lint check-protos
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

# Types (mypy --strict over server/ and stores/, as [tool.mypy] says) and style (ruff); any finding fails.
lint: $(STAMP)
	$(BIN)/python -m mypy
	$(BIN)/python -m ruff check server stores bench scripts tests

protos: $(STAMP)
	$(BIN)/python scripts/gen_protos.py

check-protos: $(STAMP)
	$(BIN)/python scripts/gen_protos.py --check
	$(BIN)/buf lint
	@if git cat-file -e $(PROTO_BASELINE) 2>/dev/null; then \
		$(BIN)/buf breaking --against '.git#ref=$(PROTO_BASELINE)' && echo "buf breaking: contract unchanged on the wire"; \
	else echo "buf breaking: baseline $(PROTO_BASELINE) not in this clone's history (shallow?); skipped"; fi

bench: $(STAMP)
	$(BIN)/python -m bench

bench-ci: $(STAMP)
	$(BIN)/python -m bench --quick

# Store, node and network faults, and the analytics relay SIGKILLed 50 times (`make test` kills it 12 times).
test-faults: $(STAMP)
	AMAUTA_TEST_RELAY_KILLS=50 $(BIN)/python -m pytest -q tests/faults tests/server/analytics/test_relay_kill.py $(PYTEST_ARGS)

# The lifecycle at full size: 100k content items with their graph mirror, 1M events, 10k learners,
# restarts through LOADING after SIGTERM and SIGKILL, and 20 stops under load (`make test` runs a small form).
test-scale: $(STAMP)
	AMAUTA_TEST_SCALE=full AMAUTA_TEST_STOP_CYCLES=20 $(BIN)/python -m pytest -q -s -p no:timeout tests/e2e/test_lifecycle.py $(PYTEST_ARGS)

# Several nodes on shared stores, longer under load (`make test` runs a short form).
# Then Redis Cluster at length: the simulation, progress and queue suites on a real 3+3 cluster (their
# long tests included), and each master SIGKILLed in turn under a heavier load (`make test` kills one).
test-cluster: $(STAMP)
	AMAUTA_TEST_CLUSTER_SECONDS=30 $(BIN)/python -m pytest -q -s tests/e2e/test_cluster.py tests/stores/redis/test_ratelimits.py tests/server/graph/test_prerequisite_race.py $(PYTEST_ARGS)
	AMAUTA_TEST_CLUSTER=full $(BIN)/python -m pytest -q -s tests/server/test_redis_cluster.py tests/server/simulation tests/server/learner/test_progress.py tests/server/catalog/test_generation_queue.py -k 'cluster or test_redis_cluster' $(PYTEST_ARGS)

# 104,000 fuzzed requests (80 RPCs x 650 examples x 2 identities, about 5 min); `make test` runs 15 per RPC.
fuzz: $(STAMP)
	AMAUTA_FUZZ_EXAMPLES=650 $(BIN)/python -m pytest -q tests/fuzz $(PYTEST_ARGS)

# Re-resolve requirements/lock.txt and requirements/production.txt from pyproject.toml (uv, hashes).
lock:
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	test -x $(BIN)/uv || $(BIN)/pip install -q uv==0.13.8
	$(BIN)/python scripts/lock.py

check-lock: $(STAMP)
	$(BIN)/python scripts/lock.py --check

# Go and TypeScript stubs from buf.gen.yaml into OUT (plugins: see buf.gen.yaml).
OUT ?= gen
stubs: $(STAMP)
	PATH="$(CURDIR)/tools/stubgen/node_modules/.bin:$$PATH" $(BIN)/buf generate --template buf.gen.yaml -o $(OUT)

check-stubs: $(STAMP)
	AMAUTA_TEST_STUBS=require $(BIN)/python -m pytest -q tests/test_stub_generation.py

# The production install (no [embedded] extra) in a fresh venv: refuses to start, sizes of both installs.
test-production: $(STAMP)
	AMAUTA_TEST_PRODUCTION_INSTALL=1 $(BIN)/python -m pytest -q -s tests/test_production_install.py

# The server backends checked offline: Neo4j's linter on every Cypher statement (Cypher 5 and 25;
# `make test` lints Cypher 5) and the ClickHouse engine in chdb on every server-backend SQL statement.
.PHONY: check-backends
check-backends: $(STAMP)
	AMAUTA_TEST_CYPHER_VERSIONS="5 25" $(BIN)/python -m pytest -q tests/stores/graph/test_neo4j_cypher_lint.py \
		tests/stores/analytics/test_clickhouse.py $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .amauta tests/stores/graph/cypher_lint/node_modules
