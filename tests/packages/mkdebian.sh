#!/bin/bash
# mkdebian.sh - a fresh Debian 12 minbase root as a tarball, made once with
# mmdebstrap from this machine's apt sources and cached: a rerun with the
# same package list returns at once.
#
# Usage: mkdebian.sh TARBALL [PACKAGE...]
#   The root has --variant=minbase plus the PACKAGEs (comma or blank
#   separated). A stamp next to TARBALL records the package list and the
#   sources; when either changes the root is made again.
#
# The sources are the host's (`apt-get indextargets`: every `deb` entry
# apt uses, third-party ones included), so the root gets what this
# machine's apt would install, from the same mirror or snapshot.
set -eu

# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh" # die

[ $# -ge 1 ] || die "usage: mkdebian.sh TARBALL [PACKAGE...]"
out=$1
shift
pkgs=$(echo "$*" | tr ' ,' '\n' | sed '/^$/d' | sort -u | paste -sd, -)

command -v mmdebstrap >/dev/null || die "mmdebstrap is missing (apt-get install mmdebstrap)"

# One-line sources entries, one per URI and suite, components joined.
# shellcheck disable=SC2016 # $(...) is apt's format syntax
sources=$(apt-get indextargets --format '$(TARGET_OF) $(REPO_URI) $(RELEASE) $(COMPONENT)' \
	'Created-By: Packages' 2>/dev/null | awk '$1 == "deb" {
		key = $2 " " $3
		if (!(key in comp)) { order[++n] = key; comp[key] = $4 }
		else if (index(" " comp[key] " ", " " $4 " ") == 0) comp[key] = comp[key] " " $4
	} END { for (i = 1; i <= n; i++) print "deb " order[i] " " comp[order[i]] }')
[ -n "$sources" ] || die "apt has no deb sources (apt-get indextargets is empty: run apt-get update)"

stamp="$out.stamp"
want=$(printf 'packages=%s\n%s\n' "$pkgs" "$sources")
if [ -s "$out" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
	echo "mkdebian: cached $out ($(du -h "$out" | cut -f1))"
	exit 0
fi

mkdir -p "$(dirname "$out")"
rm -f "$out" "$stamp"
args=(--variant=minbase --quiet --aptopt='Apt::Install-Recommends "false"')
[ -z "$pkgs" ] || args+=(--include="$pkgs")
mirrors=()
while IFS= read -r line; do
	mirrors+=("$line")
done <<<"$sources"

echo "mkdebian: making $out: minbase bookworm + ${pkgs:-nothing}"
t0=$(date +%s)
# A partial tarball must not look cached: write aside, then rename.
mmdebstrap "${args[@]}" bookworm "$out.part.tar" "${mirrors[@]}"
mv "$out.part.tar" "$out"
printf '%s\n' "$want" >"$stamp"
echo "mkdebian: $out in $(($(date +%s) - t0)) s ($(du -h "$out" | cut -f1))"
