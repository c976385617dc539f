# make demo: the example suites against nginx and HAProxy, reports in reports/
# make test: every test (unit, real proxies, mutants, containers on Podman, browser)
#   make test CONTAINERS=0   skips the container runtime tests (no Podman or Docker)
.PHONY: deps containers demo test typecheck bench clean

CONTAINERS ?= 1

deps:
	@PROXYPROOF_CONTAINERS=$(CONTAINERS) bash scripts/install-deps.sh

# Podman's API socket (settings in .podman/, never /etc) and the local nginx
# and HAProxy images built from Debian packages; both do nothing when present.
containers: deps
	@bash scripts/podman-setup.sh >/dev/null
	@bash scripts/build-images.sh

demo: deps
	node bin/proxyproof.js run suites/*.suite.yaml --report-dir reports

ifeq ($(CONTAINERS),1)
test: deps containers
	npx tsc --noEmit
	npx tsx scripts/import-graph.ts
	npx tsx scripts/function-lengths.ts
	eval "$$(bash scripts/podman-setup.sh --env)" && PROXYPROOF_CONTAINER_TESTS=1 npx vitest run
	npx playwright test
else
test: deps
	npx tsc --noEmit
	npx tsx scripts/import-graph.ts
	npx tsx scripts/function-lengths.ts
	npx vitest run
	npx playwright test
endif

typecheck: deps
	npx tsc --noEmit

clean:
	rm -rf reports
