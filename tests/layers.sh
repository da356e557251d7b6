#!/bin/bash
# layers.sh [HELPER_DIR] - hold helper/'s folders to their layers, reading
# every `#include "..."` (the tree is helper/ beside tests/ by default).
#
#   basic 0  config 1  system 2  plan 3  apply 4  report 5  doctor 6  vm 6  cmd 7
#
# A file may include only its own folder, or a folder of a lower layer;
# doctor and vm are peers and include neither each other. Includes name
# the folder ("basic/log.h"), and the file must exist. Then two graphs
# must have no cycle (a depth-first search; each back edge is one cycle):
# the headers (a cycle there is hidden by #pragma once, and breaks when
# the order changes), and the modules, a .c and its .h as one node (the
# loop the issue found: kmodule.c -> modprobe.h -> plan.h -> kmodule.h).
# One TAP line per file and per graph, the offending FILE:LINE in the
# line, then "N passed, N failed"; exit 1 on a failure.
set -u

here=$(cd "$(dirname "$0")" && pwd)
src=${1:-$here/../helper}
src=${src%/}
[ -d "$src" ] || { echo "layers.sh: $src: no such directory" >&2; exit 2; }

declare -A layer=([basic]=0 [config]=1 [system]=2 [plan]=3 [apply]=4 [report]=5 [doctor]=6 [vm]=6 [cmd]=7)

# shellcheck source=lib/tap.sh
. "$here/lib/tap.sh"
result() { # OK DESCRIPTION [DIAGNOSTIC...]
	local good=$1 desc=$2 d
	shift 2
	if [ "$good" = 1 ]; then
		ok "$desc"
	else
		not_ok "$desc"
		for d in "$@"; do echo "#   $d"; done
	fi
}

# The graphs: a node's successors, space-separated, and where each edge
# was seen first ("helper/x/y.c:12"). Used through namerefs (local -n),
# which shellcheck does not follow.
# shellcheck disable=SC2034
declare -A hdr_next=() hdr_where=() mod_next=() mod_where=()
add_edge() { # NEXT WHERE FROM TO FILE:LINE
	local -n next=$1 where=$2
	# shellcheck disable=SC2034
	case " ${next[$3]-} " in
	*" $4 "*) ;;
	*)
		next[$3]="${next[$3]-} $4"
		where["$3 $4"]=$5
		;;
	esac
}

# ---- each file's includes against the layers -----------------------------
shopt -s nullglob
files=("$src"/*/*.[ch])
[ ${#files[@]} -gt 0 ] || { echo "layers.sh: no sources under $src" >&2; exit 2; }

for f in "${files[@]}"; do
	rel=${f#"$src"/}
	dir=${rel%%/*}
	shown=helper/$rel
	problems=()
	count=0
	if [ -z "${layer[$dir]+set}" ]; then
		result 0 "$shown: folder $dir/ has no layer (add it to tests/layers.sh)"
		continue
	fi
	while IFS= read -r hit; do
		line=${hit%%:*}
		inc=${hit#*:}
		inc=${inc#*\"}
		inc=${inc%%\"*}
		idir=${inc%%/*}
		count=$((count + 1))
		if [[ ! $inc =~ ^[a-z]+/[^/]+$ ]]; then
			problems+=("$shown:$line: includes \"$inc\", not by its folder (\"basic/log.h\")")
			continue
		fi
		if [ ! -f "$src/$inc" ]; then
			problems+=("$shown:$line: includes $inc, which does not exist")
			continue
		fi
		if [ -z "${layer[$idir]+set}" ]; then
			problems+=("$shown:$line: includes $inc: folder $idir/ has no layer")
			continue
		fi
		if [ "${layer[$idir]}" -gt "${layer[$dir]}" ]; then
			problems+=("$shown:$line: includes $inc: $idir (layer ${layer[$idir]}) is above $dir (layer ${layer[$dir]})")
		elif [ "$idir" != "$dir" ] && [ "${layer[$idir]}" = "${layer[$dir]}" ]; then
			problems+=("$shown:$line: includes $inc: $idir and $dir are peers (layer ${layer[$dir]}): neither includes the other")
		fi
		case $rel in
		*.h) [[ $inc == *.h ]] && add_edge hdr_next hdr_where "$rel" "$inc" "$shown:$line" ;;
		esac
		from=${rel%.[ch]}
		to=${inc%.[ch]}
		[ "$from" != "$to" ] && add_edge mod_next mod_where "$from" "$to" "$shown:$line"
	done < <(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f")
	if [ ${#problems[@]} -eq 0 ]; then
		words="$count includes"
		[ "$count" = 1 ] && words="1 include"
		result 1 "$shown: $words, none above $dir (layer ${layer[$dir]})"
	else
		result 0 "${problems[0]}" "${problems[@]:1}"
	fi
done

# ---- cycles ---------------------------------------------------------------
declare -A color=()
stack=()
cycles=()
dfs() { # NEXT WHERE NODE
	local -n nx=$1 wh=$2
	local u=$3 v i desc
	color[$u]=1
	stack+=("$u")
	for v in ${nx[$u]-}; do
		case ${color[$v]-0} in
		0) dfs "$1" "$2" "$v" ;;
		1)
			# A back edge: the cycle is the stack from v to u, then v.
			for ((i = ${#stack[@]} - 1; i >= 0; i--)); do
				[ "${stack[i]}" = "$v" ] && break
			done
			desc=$v
			for ((; i < ${#stack[@]} - 1; i++)); do
				desc="$desc -> ${stack[i + 1]} (${wh["${stack[i]} ${stack[i + 1]}"]})"
			done
			cycles+=("$desc -> $v (${wh["$u $v"]})")
			;;
		esac
	done
	unset 'stack[${#stack[@]}-1]'
	color[$u]=2
}

check_cycles() { # NEXT WHERE WHAT
	local -n nodes=$1
	local u
	color=()
	stack=()
	cycles=()
	for u in $(printf '%s\n' "${!nodes[@]}" | sort); do
		[ "${color[$u]-0}" = 0 ] && dfs "$1" "$2" "$u"
	done
	if [ ${#cycles[@]} -eq 0 ]; then
		result 1 "no include cycle among the $3"
	else
		result 0 "include cycle among the $3: ${cycles[0]}" "${cycles[@]:1}"
	fi
}

check_cycles hdr_next hdr_where "headers"
check_cycles mod_next mod_where "modules (a .c and its .h)"

summary
