#!/bin/sh
# Makes one Redis Cluster of the nodes in REDIS_CLUSTER_NODES (host:port,…): masters and replicas as
# REDIS_CLUSTER_REPLICAS says (default 1), once every node answers. Run again, it leaves a cluster that is up alone.
# CLUSTER MEET takes addresses, not names: host names are resolved first.
set -eu

nodes=$(printf '%s' "${REDIS_CLUSTER_NODES:?set REDIS_CLUSTER_NODES=host:port,host:port,...}" | tr ',' ' ')
replicas="${REDIS_CLUSTER_REPLICAS:-1}"

host_of() { printf '%s' "${1%:*}"; }
port_of() { printf '%s' "${1##*:}"; }

address_of() {
  host=$(host_of "$1")
  case "$host" in
    *[!0-9.]*) ip=$(getent hosts "$host" | awk 'NR == 1 { print $1 }') ;;
    *) ip="$host" ;;
  esac
  [ -n "$ip" ] || { echo "cannot resolve $host" >&2; exit 1; }
  printf '%s:%s' "$ip" "$(port_of "$1")"
}

for node in $nodes; do
  until redis-cli -h "$(host_of "$node")" -p "$(port_of "$node")" ping >/dev/null 2>&1; do
    echo "waiting for $node"
    sleep 1
  done
done

first=${nodes%% *}
if redis-cli -h "$(host_of "$first")" -p "$(port_of "$first")" cluster info | grep -q '^cluster_state:ok'; then
  echo "the cluster is up already"
  exit 0
fi

addresses=""
for node in $nodes; do addresses="$addresses $(address_of "$node")"; done
# shellcheck disable=SC2086 # one word per node
redis-cli --cluster create $addresses --cluster-replicas "$replicas" --cluster-yes
