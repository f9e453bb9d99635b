#!/bin/sh
# One-shot job (service `temporal-admin-tools`, image temporalio/admin-tools):
# waits for the cluster, creates the namespace and registers the project's custom search
# attributes. Idempotent: an existing namespace or attribute is left as it is, so it runs
# on every `docker compose up` and the worker starts only after it exited 0.
#
# Works against the local `temporal` service and against any other cluster reachable with
# TEMPORAL_ADDRESS (+ optional mTLS files TEMPORAL_TLS_CERT / TEMPORAL_TLS_KEY / TEMPORAL_TLS_CA).
# On Temporal Cloud the namespace is created in the Cloud console / tcld; this script then only
# checks it and adds any missing search attribute.
#
# The list below mirrors domain/search-attributes.ts (the source of truth);
# test/integration/compose.test.ts fails when the two differ.
set -eu

ADDRESS="${TEMPORAL_ADDRESS:-temporal:7233}"
NAMESPACE="${TEMPORAL_NAMESPACE:-default}"
RETENTION="${TEMPORAL_NAMESPACE_RETENTION:-30d}"
MAX_ATTEMPTS="${SETUP_MAX_ATTEMPTS:-60}"
SLEEP_SECONDS="${SETUP_SLEEP_SECONDS:-2}"

SEARCH_ATTRIBUTES="
LpStage=Keyword
LpPath=Keyword
LpProvince=Keyword
LpProduct=Keyword
LpPolicyVersion=Keyword
LpDeadline=Datetime
LpOverdue=Bool
LpUscc=Keyword
LpWaitingOn=Keyword
LpProgress=Int
"

# Connection flags shared by every call; TLS only when the files are given.
set -- --address "$ADDRESS"
if [ -n "${TEMPORAL_TLS_CERT:-}" ] || [ -n "${TEMPORAL_TLS_CA:-}" ]; then
  set -- "$@" --tls
  [ -n "${TEMPORAL_TLS_CERT:-}" ] && set -- "$@" --tls-cert-path "$TEMPORAL_TLS_CERT"
  [ -n "${TEMPORAL_TLS_KEY:-}" ] && set -- "$@" --tls-key-path "$TEMPORAL_TLS_KEY"
  [ -n "${TEMPORAL_TLS_CA:-}" ] && set -- "$@" --tls-ca-path "$TEMPORAL_TLS_CA"
  [ -n "${TEMPORAL_TLS_SERVER_NAME:-}" ] && set -- "$@" --tls-server-name "$TEMPORAL_TLS_SERVER_NAME"
fi

retry() { # retry <what> <command...>
  what="$1"; shift
  n=1
  until "$@"; do
    if [ "$n" -ge "$MAX_ATTEMPTS" ]; then
      echo "setup: $what failed after $MAX_ATTEMPTS attempts" >&2
      return 1
    fi
    echo "setup: $what not ready (attempt $n/$MAX_ATTEMPTS)"
    n=$((n + 1)); sleep "$SLEEP_SECONDS"
  done
}

namespace_exists() { temporal operator namespace describe -n "$NAMESPACE" "$@" >/dev/null 2>&1; }

echo "setup: waiting for Temporal at $ADDRESS"
retry "cluster health" temporal operator cluster health "$@"

if namespace_exists "$@"; then
  echo "setup: namespace '$NAMESPACE' exists"
else
  echo "setup: creating namespace '$NAMESPACE' (retention $RETENTION)"
  # A concurrent creator may win the race: accept the namespace existing afterwards.
  temporal operator namespace create -n "$NAMESPACE" --retention "$RETENTION" "$@" || namespace_exists "$@"
  retry "namespace '$NAMESPACE' visible" namespace_exists "$@"
fi

registered() { temporal operator search-attribute list -n "$NAMESPACE" "$@" 2>/dev/null; }

# Registers one attribute unless it is there. Fails (and is retried) while a just-created
# namespace has not yet reached the server's namespace cache (~10 s).
ensure_attribute() { # ensure_attribute <name> <type> <connection flags...>
  name="$1"; type="$2"; shift 2
  list=$(registered "$@") || return 1
  line=$(echo "$list" | grep -w "$name" || true)
  if [ -n "$line" ]; then
    if echo "$line" | grep -qw "$type"; then
      echo "setup: search attribute $name exists"
      return 0
    fi
    echo "setup: search attribute $name exists with another type: $line (want $type)" >&2
    exit 1
  fi
  if out=$(temporal operator search-attribute create -n "$NAMESPACE" --name "$name" --type "$type" "$@" 2>&1); then
    echo "setup: registered search attribute $name ($type)"
    return 0
  fi
  # Re-creating with the same type succeeds; a different type is a real conflict: stop.
  case "$out" in
    *"different type"*) echo "setup: $out" >&2; exit 1 ;;
  esac
  echo "$out" >&2
  return 1
}

for entry in $SEARCH_ATTRIBUTES; do
  retry "search attribute ${entry%%=*}" ensure_attribute "${entry%%=*}" "${entry#*=}" "$@"
done

# Wait until every attribute is listed, so a workflow started right after this job never
# meets "search attribute not defined".
all_listed() {
  list=$(registered "$@") || return 1
  for entry in $SEARCH_ATTRIBUTES; do
    echo "$list" | grep -qw "${entry%%=*}" || return 1
  done
}
retry "search attributes visible" all_listed "$@"
echo "setup: namespace '$NAMESPACE' ready with $(echo $SEARCH_ATTRIBUTES | wc -w) search attributes"
