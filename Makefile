# The whole set-up on a fresh machine is `make demo` or `make test`; every other target is a step of those.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PERCOLATOR := node bin/percolator.js
INSTALL_STAMP := node_modules/.install-stamp
# The console (ui/) has its own package.json and lockfile, installed and built beside the engine.
UI_INSTALL_STAMP := ui/node_modules/.install-stamp

.PHONY: help install build stack stack-down stack-status test test-unit lint demo bench chart clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | column -t -s $$'\t'

$(INSTALL_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

$(UI_INSTALL_STAMP): ui/package.json ui/package-lock.json
	npm ci --prefix ui --no-audit --no-fund
	@touch $@

install: $(INSTALL_STAMP) $(UI_INSTALL_STAMP) ## install npm dependencies (npm ci) when a package-lock.json changed

build: install ## compile TypeScript to dist/ and the console to ui/dist/
	npm run --silent build
	npm run --silent build --prefix ui

stack: build ## start Kafka, the schema registry, Redis and Postgres (a quick no-op when already up)
	$(PERCOLATOR) stack up

stack-down: build ## stop the services the stack started
	$(PERCOLATOR) stack down

stack-status: build ## show which services answer
	$(PERCOLATOR) stack status

lint: install ## type-check, ESLint and Prettier
	npm run --silent typecheck
	npm run --silent lint
	npm run --silent format:check

# The suite talks to the local stack; the variables name it so the test set-up never looks elsewhere.
TEST_SERVICES := KAFKA_BROKERS=127.0.0.1:9092 SCHEMA_REGISTRY_URL=http://127.0.0.1:8081/apis/ccompat/v7 \
	REDIS_URL=redis://127.0.0.1:6379 DATABASE_URL=postgres://postgres@127.0.0.1:5432/percolator_test

test: build lint stack ## run the whole suite against the real local stack
	./scripts/ensure-prometheus.sh
	./scripts/ensure-chromium.sh
	./scripts/ensure-helm-java.sh
	npm run --silent test --prefix ui
	$(TEST_SERVICES) npx vitest run

test-unit: build ## run only the unit tests (no services needed)
	npx vitest run --project unit

demo: build stack ## run the demo end to end
	$(PERCOLATOR) demo
	@echo "Web console: start the engine with 'node bin/percolator.js serve' and open http://127.0.0.1:$${PORT:-8080}/ (docs/console.md)"

bench: build stack ## Percolator vs the raw Kafka + Redis limit, BullMQ and Restate (a few minutes; not part of make test)
	$(PERCOLATOR) bench --duration $(or $(BENCH_DURATION),10) --json bench-report.json

chart: ## helm lint --strict the chart (helm/percolator), render it with default and production values into .chart/
	./scripts/chart.sh

clean: ## remove build output (the stack's data stays in .stack/)
	rm -rf dist coverage ui/dist
