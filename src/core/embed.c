/* embed.c - lookup in the tables of files compiled into the binary (embed.h). */
#include "embed.h"
#include <string.h>

const struct pd_embed *pd_embed_find(const struct pd_embed *table, const char *name)
{
	for (; table->name; table++)
		if (!strcmp(table->name, name))
			return table;
	return NULL;
}
