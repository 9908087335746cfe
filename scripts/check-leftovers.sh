#!/usr/bin/env bash
# Fails when the engine holds anything labelled moat.managed=true: every such
# object is a cleanup bug in some path (test, error, Ctrl-C).
set -euo pipefail
count() { docker "$1" ls -q ${2:+"$2"} --filter label=moat.managed=true | wc -l; }
c=$(docker ps -aq --filter label=moat.managed=true | wc -l)
v=$(count volume)
n=$(count network)
echo "moat-labelled objects left: $c containers, $v volumes, $n networks"
if [ "$((c + v + n))" -ne 0 ]; then
  docker ps -a --filter label=moat.managed=true --format '  container {{.Names}} ({{.Labels}})'
  docker volume ls --filter label=moat.managed=true --format '  volume {{.Name}}'
  docker network ls --filter label=moat.managed=true --format '  network {{.Name}}'
  exit 1
fi
