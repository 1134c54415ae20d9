#!/usr/bin/env bash
# Makes this machine ready for the test suite: Redis, an MQTT broker (Mosquitto), Prometheus (promtool) and
# headless Chromium, each installed only where it is missing (apt-get on Debian and Ubuntu), Redis and Mosquitto
# started where nothing answers. Elsewhere it names what is missing and how to get it, and exits 1.
set -euo pipefail

REDIS_HOST=127.0.0.1 REDIS_PORT=6379 MQTT_PORT=1883
missing=()
have() { command -v "$1" >/dev/null 2>&1; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

[ -n "${REDIS_URL:-}" ] || have redis-server || missing+=(redis-server)
have mosquitto || port_open "$MQTT_PORT" || missing+=(mosquitto)
have promtool && have prometheus || missing+=(prometheus)
[ -x /usr/bin/chromium ] || [ -n "${CHROMIUM_PATH:-}" ] || missing+=(chromium)

if [ "${#missing[@]}" -gt 0 ]; then
  sudo=()
  [ "$(id -u)" -eq 0 ] || { have sudo && sudo=(sudo -n); }
  if ! have apt-get || { [ "$(id -u)" -ne 0 ] && [ "${#sudo[@]}" -eq 0 ]; }; then
    echo "test-env: missing ${missing[*]}; install them (Debian/Ubuntu package names: ${missing[*]}), or set REDIS_URL for a Redis elsewhere and CHROMIUM_PATH for another Chromium, then run again" >&2
    exit 1
  fi
  echo "test-env: installing ${missing[*]} with apt-get" >&2
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ -z "${REDIS_URL:-}" ] && ! redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping >/dev/null 2>&1; then
  echo "test-env: starting redis-server on $REDIS_HOST:$REDIS_PORT" >&2
  mkdir -p "${TMPDIR:-/tmp}/fleetcast-redis"
  redis-server --daemonize yes --bind "$REDIS_HOST" --port "$REDIS_PORT" --save "" --appendonly no \
    --dir "${TMPDIR:-/tmp}/fleetcast-redis" --logfile "${TMPDIR:-/tmp}/fleetcast-redis/redis.log"
  for _ in $(seq 1 50); do redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
fi

if ! port_open "$MQTT_PORT"; then
  echo "test-env: starting mosquitto on 127.0.0.1:$MQTT_PORT" >&2
  mosquitto -d -p "$MQTT_PORT" 2>/dev/null || mosquitto -d -c /etc/mosquitto/mosquitto.conf
  for _ in $(seq 1 50); do port_open "$MQTT_PORT" && break; sleep 0.1; done
fi

echo "test-env: redis $(redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping 2>/dev/null || echo "at ${REDIS_URL:-?}"), mqtt :$MQTT_PORT $(port_open "$MQTT_PORT" && echo up || echo DOWN), $(promtool --version 2>&1 | head -1), $("${CHROMIUM_PATH:-/usr/bin/chromium}" --version 2>/dev/null || echo 'chromium ?')" >&2
