# Baton — build, run and test. `make help` lists the targets.
# `make test` is exactly what CI runs (.ci/run).

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
CARGO ?= cargo
TARGET_DIR := $(or $(CARGO_TARGET_DIR),target)
UI_SOURCES := $(shell find ui/src ui/index.html ui/vite.config.ts -type f 2>/dev/null)

.PHONY: help deps deps-test ui build dist run test lint audit fmt unit e2e bench soak clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

deps: ## Install missing system and npm packages for building and running
	@scripts/deps.sh

deps-test: ## Also install what the tests need (WebKitWebDriver, tauri-driver, cargo-deny, PostgreSQL)
	@scripts/deps.sh test

ui/dist/index.html: $(UI_SOURCES) package-lock.json
	npm run build --workspace ui

ui: deps ui/dist/index.html ## Build the console UI (ui/dist)

build: ui ## Build the release app and server
	$(CARGO) build --release -p baton -p baton-server

dist: ui ## Build the app and the server as shipped: LTO, one codegen unit, stripped (target/dist)
	$(CARGO) build --profile dist -p baton -p baton-server
	@ls -l $(TARGET_DIR)/dist/baton $(TARGET_DIR)/dist/baton-server

run: build ## Start the demo server and open the console signed in to it
	@scripts/run-demo.sh

fmt: ## Format the Rust code
	$(CARGO) fmt --all

lint: deps-test ui ## Format check, clippy -D warnings, dependency licences/bans/sources, UI type check
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) deny check licenses bans sources
	npm run check --workspace ui

audit: deps-test ## Known vulnerabilities in dependencies (needs the RustSec advisory database online)
	$(CARGO) deny check advisories

# The OpenAPI contract (schemathesis, generated clients) does not depend on the
# backend: it runs in the SQLite pass only.
CONTRACT_TOOLS = --skip schemathesis_finds_no_failure --skip a_generated_python_client --skip generated_typescript_types

unit: deps-test ui ## Rust unit and integration tests (real server on SQLite, then again on PostgreSQL), the OpenAPI contract (schemathesis, generated Python and TypeScript clients), UI unit tests, bindings and OpenAPI drift
	$(CARGO) test --workspace --exclude baton
	BATON_TEST_DATABASE=postgres BATON_CRASH_RUNS=15 $(CARGO) test -p baton-server -p baton-soak -- $(CONTRACT_TOOLS)
	$(CARGO) test -p baton --lib
	npm test --workspace ui
	@scripts/check-bindings.sh
	@scripts/check-openapi.sh

# One app at a time: the end-to-end tests share the virtual display and the keyring.
e2e: deps-test ui ## End-to-end: the release app under Xvfb driven over WebDriver
	$(CARGO) build --release -p baton --test e2e
	scripts/headless.sh $(CARGO) test --release -p baton --test e2e -- --nocapture --test-threads=1

test: lint unit e2e ## Everything CI runs

soak: deps-test ## Soak: kill -9 a console at thousands of seeded points, hundreds of faulty-network runs, server nodes killed mid-run, hundreds of leak-test seeds
	BATON_CRASH_RUNS=$(or $(SOAK_RUNS),2000) BATON_FAULT_RUNS=$(or $(FAULT_RUNS),200) BATON_NODE_RUNS=$(or $(NODE_RUNS),50) \
		$(CARGO) test --release -p baton-soak -- --nocapture
	BATON_LEAK_SEEDS=$(or $(LEAK_SEEDS),200) BATON_LEAK_STEPS=120 \
		$(CARGO) test --release -p baton-server --test leaks -- --nocapture

bench: deps-test ## Benchmarks: initial sync and record open encrypted vs plain next to the raw insert rate of the same rows, snapshot JSON vs gzip, reads during a sign-in flood, mutations/s and propagation on SQLite and PostgreSQL (1 and 3 nodes) next to raw commit rates, 1M-customer load, cache fill, record open and the memory of server and console, bulk import of 1M customers + 800k jobs next to the raw insert rate
	$(CARGO) build --release -p baton-server
	$(CARGO) run --release -p baton-bench -- --paint-customers $(or $(DEMO_CUSTOMERS),1000000) $(BENCH_ARGS)

clean: ## Remove build outputs
	$(CARGO) clean
	rm -rf ui/dist node_modules
