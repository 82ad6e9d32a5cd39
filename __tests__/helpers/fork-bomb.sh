#!/bin/sh
# A service that forks without bound and never becomes ready: each pass leaves a sleeping child behind
# (the subshell exits, its background sleep stays in the process group). The process cap must stop it
# (service/caps.ts); the gate then kills every one of them.
echo "fork-bomb: forking"
while :; do
  ( sleep 60 & ) 2>/dev/null
done
