/* cmd_trust.c: /verify and /trust, trust on first use by hand. */
#include <string.h>

#include <uv.h>

#include "src/app.h"
#include "src/cmd.h"
#include "src/identity.h"
#include "src/trust.h"

static struct peer *
peer_arg(struct app *app, const char *cmd, int argc, char **argv,
    char **cause)
{
	struct peer	*p;

	if (argc == 0) {
		if ((p = app->current) == NULL)
			cmd_error(cause, UV_EINVAL, "/%s: no current peer; "
			    "usage: /%s PEER", cmd, cmd);
		return p;
	}
	if ((p = peer_find(&app->peers, argv[0])) == NULL)
		cmd_error(cause, UV_ENOENT, "/%s: no peer called %s", cmd,
		    argv[0]);
	return p;
}

/*
 * Ours and theirs, one under the other so the groups line up, for the
 * two people to read to each other (in person, by phone); for a changed
 * key also the one on record.
 */
static int
cmd_verify_exec(struct app *app, int argc, char **argv, char **cause)
{
	struct peer	*p;
	unsigned char	 old[TRUST_KEY_BYTES];
	char		 fp[IDENTITY_FP_LEN];
	const char	*label;

	if ((p = peer_arg(app, "verify", argc, argv, cause)) == NULL)
		return UV_EINVAL;
	label = peer_label(p);
	app_info(app, "/verify %s (%s): read these to each other by other "
	    "means, in person or by phone:", label, p->addrstr);
	app_info(app, "  yours:     %s", app->identity->fingerprint);
	if (!p->has_key) {
		app_info(app, "  theirs:    none: no encrypted session now");
		if (app->trust != NULL && trust_lookup(app->trust, p->addrstr,
		    p->name, old) == 0) {
			identity_fingerprint(old, fp);
			app_info(app, "  on record: %s", fp);
		}
		app_info(app, "nothing to compare until %s is online",
		    label);
		return 0;
	}
	identity_fingerprint(p->key, fp);
	app_info(app, "  theirs:    %s (%s)", fp, peer_trust_name(p->trust));
	if (p->trust == TRUST_CHANGED) {
		identity_fingerprint(p->old_key, fp);
		app_info(app, "  on record: %s (the key %s had before)", fp,
		    label);
		app_info(app, "if %s's own /whoami shows the new one, accept "
		    "it with /trust %s", label, app_peer_arg(p));
	} else if (p->trust != TRUST_VERIFIED)
		app_info(app, "if %s's own /whoami shows the same, mark it "
		    "verified with /trust %s", label, app_peer_arg(p));
	else
		app_info(app, "verified with /trust before");
	return 0;
}

static int
cmd_trust_exec(struct app *app, int argc, char **argv, char **cause)
{
	struct peer	*p;

	if ((p = peer_arg(app, "trust", argc, argv, cause)) == NULL)
		return UV_EINVAL;
	return app_trust(app, p, cause);
}

const struct cmd_entry cmd_verify_entry = {
	.name = "verify",
	.args = "[PEER]",
	.help = "show your fingerprint and the peer's (and, for a changed "
	    "key, the one on record), to compare by other means",
	.min_args = 0,
	.max_args = 1,
	.exec = cmd_verify_exec,
};

const struct cmd_entry cmd_trust_entry = {
	.name = "trust",
	.args = "[PEER]",
	.help = "accept the peer's current key as verified; after a key "
	    "change, messages go to it again",
	.min_args = 0,
	.max_args = 1,
	.exec = cmd_trust_exec,
};
