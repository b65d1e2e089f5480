#!/usr/bin/env bash
# A real single-node Apache Kafka 3.9 broker in KRaft mode, run from its jars on Maven Central
# with Java 17 (these machines have no Docker engine).
#
#   infra/kafka.sh start   fetch the jars (once), format the storage (once), start, wait until ready
#   infra/kafka.sh stop    stop it
#
# KAFKA_PORT (default 19092) is the client port; the controller listens on the next one.
# Everything lives under tmp/kafka. On success `start` prints the KAFKA_BROKERS value.
set -euo pipefail
cd "$(dirname "$0")/.."

HOME_DIR="$PWD/tmp/kafka"
PORT="${KAFKA_PORT:-19092}"
CONTROLLER_PORT="$((PORT + 1))"
PID_FILE="$HOME_DIR/broker.pid"
LOG_FILE="$HOME_DIR/broker.log"
CLASSPATH="$HOME_DIR/jars/*"

running() { [[ -f "$PID_FILE" ]] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null; }

start() {
  if running; then echo "127.0.0.1:$PORT"; return; fi
  mkdir -p "$HOME_DIR"
  if [[ ! -f "$HOME_DIR/jars/kafka_2.13-3.9.1.jar" ]]; then
    echo "kafka: fetching the broker's jars from Maven Central" >&2
    mvn -q -B -f infra/kafka/pom.xml dependency:copy-dependencies -DoutputDirectory="$HOME_DIR/jars" -DincludeScope=runtime >&2
  fi
  sed -e "s#@PORT@#$PORT#g" -e "s#@CONTROLLER_PORT@#$CONTROLLER_PORT#g" -e "s#@LOG_DIR@#$HOME_DIR/data-$PORT#g" \
    infra/kafka/server.properties > "$HOME_DIR/server-$PORT.properties"
  if [[ ! -f "$HOME_DIR/data-$PORT/meta.properties" ]]; then
    local cluster_id
    cluster_id="$(java -cp "$CLASSPATH" kafka.tools.StorageTool random-uuid 2>/dev/null)"
    java -cp "$CLASSPATH" -Dlog4j.configuration="file:$PWD/infra/kafka/log4j.properties" \
      kafka.tools.StorageTool format -t "$cluster_id" -c "$HOME_DIR/server-$PORT.properties" >&2
  fi
  nohup java -Xms256m -Xmx512m -cp "$CLASSPATH" -Dlog4j.configuration="file:$PWD/infra/kafka/log4j.properties" \
    kafka.Kafka "$HOME_DIR/server-$PORT.properties" > "$LOG_FILE" 2>&1 &
  echo $! > "$PID_FILE"
  for _ in $(seq 1 120); do
    if grep -q "Kafka Server started" "$LOG_FILE" 2>/dev/null; then echo "127.0.0.1:$PORT"; return; fi
    if ! running; then break; fi
    sleep 0.5
  done
  echo "kafka: the broker did not start within 60 s; its log:" >&2
  tail -n 40 "$LOG_FILE" >&2
  stop
  exit 1
}

stop() {
  if running; then
    local pid
    pid="$(cat "$PID_FILE")"
    kill "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$PID_FILE"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: infra/kafka.sh start|stop" >&2; exit 2 ;;
esac
