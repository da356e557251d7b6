#!/bin/sh
# deb-src.sh DIR - the deb-src twins of this machine's Debian deb entries, written
# as DIR/vfiobind-src.sources (from deb822 files) and DIR/vfiobind-src.list
# (from one-line files), so that `apt-get source` reaches the same mirrors,
# suites and components, with the same keys, as the installed packages came
# from. Prints the files it wrote; writes nothing for a format with no
# entries. Only entries whose URI serves the packages the static build
# takes sources of (kmod, util-linux, per `apt-cache policy`) are copied:
# a third-party repository without a Sources index would make `apt-get
# update` fail.
set -eu
out=${1:?usage: deb-src.sh DIR}
etc=${APT_ETC:-/etc/apt}
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
# "     500 http://deb.debian.org/debian bookworm/main amd64 Packages"
uris=$(apt-cache policy kmod util-linux 2>/dev/null |
	awk '$1 ~ /^[0-9]+$/ && $2 ~ /:\/\// { u = $2; sub(/\/$/, "", u); print u }' | sort -u | tr '\n' ' ')
[ -n "$uris" ] || {
	echo "deb-src.sh: apt-cache policy names no archive for kmod (apt-get update first)" >&2
	exit 1
}

# deb822: every stanza whose Types has "deb", with Types: deb-src.
for f in "$etc"/sources.list.d/*.sources; do
	[ -f "$f" ] || continue
	case $f in */vfiobind-src.sources) continue ;; esac
	awk -v uris=" $uris" '
		function flush() {
			if (n && deb && enabled && ours) { for (i = 1; i <= n; i++) print st[i]; print "" }
			n = 0; deb = 0; enabled = 1; ours = 0
		}
		BEGIN { enabled = 1 }
		/^[ \t]*#/ { next }
		/^[ \t]*$/ { flush(); next }
		tolower($1) == "types:" {
			for (i = 2; i <= NF; i++) if ($i == "deb") deb = 1
			st[++n] = "Types: deb-src"; next
		}
		tolower($1) == "enabled:" && tolower($2) == "no" { enabled = 0 }
		tolower($1) == "uris:" {
			for (i = 2; i <= NF; i++) { u = $i; sub(/\/$/, "", u); if (index(uris, " " u " ")) ours = 1 }
		}
		{ st[++n] = $0 }
		END { flush() }
	' "$f"
done >"$tmp"
if [ -s "$tmp" ]; then
	cp "$tmp" "$out/vfiobind-src.sources"
	echo "$out/vfiobind-src.sources"
fi

# One-line format: "deb [opts] URI suite comp..." -> "deb-src ...".
for f in "$etc"/sources.list "$etc"/sources.list.d/*.list; do
	[ -f "$f" ] || continue
	case $f in */vfiobind-src.list) continue ;; esac
	# The URI is the first word that is not an [option] list.
	awk -v uris=" $uris" '$1 == "deb" {
		i = 2; if ($i ~ /^\[/) while ($i !~ /\]$/ && i < NF) i++
		if ($i ~ /^\[/ || $i ~ /\]$/) i++
		u = $i; sub(/\/$/, "", u)
		if (index(uris, " " u " ")) { $1 = "deb-src"; print }
	}' "$f"
done >"$tmp"
if [ -s "$tmp" ]; then
	cp "$tmp" "$out/vfiobind-src.list"
	echo "$out/vfiobind-src.list"
fi
