# make demo: the example suites against nginx and HAProxy, reports in reports/
# make test: every test (unit, integration against real proxies, mutants)
.PHONY: deps demo test typecheck clean

deps:
	@bash scripts/install-deps.sh

demo: deps
	node bin/proxyproof.js run suites/*.suite.yaml --report-dir reports

test: deps
	npx tsc --noEmit
	npx vitest run
	npx playwright test

typecheck: deps
	npx tsc --noEmit

clean:
	rm -rf reports
