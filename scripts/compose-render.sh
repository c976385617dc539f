#!/usr/bin/env sh
# Renders the example configs for docker-compose.yml into ${OUT:-reports/compose}:
# the petstore suite's configs with proxyproof's sample addresses (mocks on
# 127.0.0.1:9001-9004), each proxy moved to its own port:
# nginx 8081, haproxy 8082, kong 8083, envoy 8084.
set -eu
cd "$(dirname "$0")/.."
out="${OUT:-reports/compose}"
suite="${SUITE:-suites/petstore.suite.yaml}"
mkdir -p "$out" /tmp/proxyproof-render
render() { node bin/proxyproof.js render "$suite" --target "$1" | tail -n +2; }
main() { awk '/^# --- /{exit} {print}'; }
render nginx | main | sed 's/127\.0\.0\.1:8080/127.0.0.1:8081/' > "$out/nginx.conf"
render haproxy | main | sed 's/127\.0\.0\.1:8080/127.0.0.1:8082/' > "$out/haproxy.cfg"
render kong | main > "$out/kong.yml"
render envoy | main | sed 's/"port_value": 8080,/"port_value": 8084,/; s/"port_value": 8080$/"port_value": 8084/' > "$out/envoy.json"
echo "configs in $out: $(ls "$out" | tr '\n' ' ')"
