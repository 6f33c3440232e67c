/* partnerctl.c - the command-line client of partnerd: a thin front end over src/cli/, where
 * the command table (commands.c) and every command live. */
#include "commands.h"

int main(int argc, char **argv)
{
	return cli_main(argc, argv);
}
