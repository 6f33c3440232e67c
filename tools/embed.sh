#!/bin/sh
# embed.sh SYMBOL FILE... - writes C source to stdout defining
# `const struct pd_embed SYMBOL[]`: each file's base name, its bytes as a C string and its
# length, ended by a zero entry.  Text files only (SQL, HTML, CSS, JS, JSON).  awk, no xxd.
sym=$1; shift
printf '#include "embed.h"\nconst struct pd_embed %s[] = {\n' "$sym"
for f in "$@"; do
	name=$(basename "$f")
	size=$(wc -c < "$f")
	printf '\t{"%s", %s, ' "$name" "$size"
	awk 'BEGIN { printf "\"" }
	     { gsub(/\\/, "\\\\"); gsub(/"/, "\\\""); gsub(/\t/, "\\t"); gsub(/\r/, "\\r");
	       printf "%s\\n\"\n\t\"", $0 }
	     END { printf "\"" }' "$f"
	printf '},\n'
done
printf '\t{0, 0, 0}\n};\n'
