/* partnerctl.c - the command-line client.  This build carries only its help: the commands
 * (login, customers list|search|show|add|update|check-domain, export/import) arrive with
 * their own issue and talk to partnerd's REST API. */
#include <stdio.h>
#include <string.h>

static const char usage[] =
	"usage: partnerctl <command> [options]\n"
	"\n"
	"partnerctl is the command line for partnerd's customer accounts.  Its commands are not\n"
	"built yet; they will be:\n"
	"  login --server URL     sign in and keep a token in ~/.config/partnerctl/config\n"
	"  customers list|search|show|add|update|check-domain\n"
	"  customers export / import   bulk CSV, resumable\n"
	"Until then, use the REST API (see README.md) with curl.\n";

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--help") && strcmp(argv[1], "-h") && strcmp(argv[1], "help")) {
		fprintf(stderr, "partnerctl: '%s' is not available in this build\n\n%s", argv[1], usage);
		return 2;
	}
	fputs(usage, stdout);
	return 0;
}
