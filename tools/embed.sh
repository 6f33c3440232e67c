#!/bin/sh
# embed.sh SYMBOL FILE... - writes C source to stdout defining
# `const struct pd_embed SYMBOL[]`: each file's base name, its bytes as a C string and its
# length, ended by a zero entry.  Text files only (SQL, HTML, CSS, JS, JSON).  sed, no xxd:
# backslashes, quotes, tabs, CRs and '?' (no trigraphs under -std=c11) are escaped.
sym=$1; shift
printf '#include "embed.h"\nconst struct pd_embed %s[] = {\n' "$sym"
for f in "$@"; do
	name=$(basename "$f")
	size=$(wc -c < "$f")
	printf '\t{"%s", %s,\n' "$name" "$size"
	sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/?/\\?/g' -e 's/\t/\\t/g' -e 's/\r/\\r/g' \
	    -e 's/^/\t"/' -e 's/$/\\n"/' "$f"
	printf '\t""},\n'
done
printf '\t{0, 0, 0}\n};\n'
