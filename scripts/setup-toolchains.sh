#!/usr/bin/env bash
# Installs the compilers and runtimes that `frugal safim` executes completions with (CPython 3,
# GNU C++, Java 17, Mono C#) when this machine lacks them and can get them (root with apt-get).
# Optional and quick when all are present: it never fails the caller; a language still missing is
# reported by `frugal safim toolchains` and scored as skipped.
set -u

need=()
command -v python3 >/dev/null 2>&1 || need+=(python3)
command -v g++ >/dev/null 2>&1 || need+=(g++)
command -v javac >/dev/null 2>&1 || need+=(openjdk-17-jdk-headless)
{ command -v mcs >/dev/null 2>&1 && command -v mono >/dev/null 2>&1; } || need+=(mono-mcs)

if [ ${#need[@]} -eq 0 ]; then
  echo "setup-toolchains: python3, g++, javac, mcs/mono present"
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "setup-toolchains: missing ${need[*]}; not root or no apt-get, so those languages will be skipped"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
if ! timeout 600 apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null 2>&1; then
  timeout 300 apt-get update -qq >/dev/null 2>&1
  timeout 600 apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null 2>&1 ||
    echo "setup-toolchains: could not install ${need[*]}; those languages will be skipped"
fi
echo "setup-toolchains: done (${need[*]})"
exit 0
