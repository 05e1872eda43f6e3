/* cmd_set.c: /set NAME [VALUE], the options a person or the config sets. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "net/addr.h"
#include "net/net.h"
#include "src/app.h"
#include "src/cmd.h"
#include "src/set.h"

static int
parse_bool(const char *v, int *out)
{
	if (strcmp(v, "on") == 0 || strcmp(v, "yes") == 0 ||
	    strcmp(v, "1") == 0 || strcmp(v, "true") == 0)
		*out = 1;
	else if (strcmp(v, "off") == 0 || strcmp(v, "no") == 0 ||
	    strcmp(v, "0") == 0 || strcmp(v, "false") == 0)
		*out = 0;
	else
		return UV_EINVAL;
	return 0;
}

static int
parse_uint(const char *v, unsigned max, unsigned *out)
{
	char		*end;
	unsigned long	 n;

	if (*v < '0' || *v > '9')
		return UV_EINVAL;
	n = strtoul(v, &end, 10);
	if (*end != '\0' || n > max)
		return UV_EINVAL;
	*out = (unsigned)n;
	return 0;
}

static int
set_port(struct app *app, const char *v, char **cause)
{
	int	 port;

	if (addr_parse_port(v, &port) != 0)
		return cmd_error(cause, UV_EINVAL, "port: %s is not 0-65535",
		    v);
	app->opts.port = port;
	return 0;
}

static void
show_port(struct app *app, char *buf, size_t len)
{
	snprintf(buf, len, "%d", app->opts.port);
}

static int
set_bind(struct app *app, const char *v, char **cause)
{
	struct sockaddr_storage	 ss;
	char			*copy;

	if (addr_from_host(v, 0, &ss) != 0)
		return cmd_error(cause, UV_EINVAL, "bind: %s is not a numeric "
		    "IPv4 or IPv6 address", v);
	if ((copy = strdup(v)) == NULL)
		return cmd_error(cause, UV_ENOMEM, "out of memory");
	free(app->bind_owned);
	app->bind_owned = copy;
	app->opts.bind = copy;
	return 0;
}

static void
show_bind(struct app *app, char *buf, size_t len)
{
	snprintf(buf, len, "%s", app->opts.bind != NULL ? app->opts.bind :
	    "::");
}

static int
set_bell(struct app *app, const char *v, char **cause)
{
	if (parse_bool(v, &app->opts.bell) != 0)
		return cmd_error(cause, UV_EINVAL, "bell: on or off, not %s",
		    v);
	return 0;
}

static void
show_bell(struct app *app, char *buf, size_t len)
{
	snprintf(buf, len, "%s", app->opts.bell ? "on" : "off");
}

/* What /set notify takes; the full-screen front end knows them too. */
static const char *const notify_names[] = {
	"auto", "off", "bell", "terminal", "desktop",
};
#define NOTIFY_NAMES	(sizeof notify_names / sizeof notify_names[0])

static int
set_notify(struct app *app, const char *v, char **cause)
{
	size_t	 i;

	for (i = 0; i < NOTIFY_NAMES; i++) {
		if (strcmp(v, notify_names[i]) == 0) {
			app->opts.notify = (int)i;
			return 0;
		}
	}
	return cmd_error(cause, UV_EINVAL, "notify: auto, off, bell, "
	    "terminal or desktop, not %s", v);
}

static void
show_notify(struct app *app, char *buf, size_t len)
{
	size_t	 i = (size_t)app->opts.notify;

	snprintf(buf, len, "%s", i < NOTIFY_NAMES ? notify_names[i] : "auto");
}

static int
set_timestamp(struct app *app, const char *v, char **cause)
{
	if (strlen(v) >= sizeof app->opts.timestamp)
		return cmd_error(cause, UV_EINVAL, "timestamp: at most %zu "
		    "characters", sizeof app->opts.timestamp - 1);
	snprintf(app->opts.timestamp, sizeof app->opts.timestamp, "%s", v);
	return 0;
}

static void
show_timestamp(struct app *app, char *buf, size_t len)
{
	snprintf(buf, len, "%s", app->opts.timestamp);
}

static int
set_scrollback(struct app *app, const char *v, char **cause)
{
	unsigned	 n;

	if (parse_uint(v, 1000000, &n) != 0 || n < 100)
		return cmd_error(cause, UV_EINVAL, "scrollback: a number of "
		    "lines from 100 to 1000000, not %s", v);
	app->opts.scrollback = n;
	return 0;
}

static void
show_scrollback(struct app *app, char *buf, size_t len)
{
	snprintf(buf, len, "%u", app->opts.scrollback);
}

static int
set_known_only(struct app *app, const char *v, char **cause)
{
	if (parse_bool(v, &app->opts.known_only) != 0)
		return cmd_error(cause, UV_EINVAL, "known-only: on or off, "
		    "not %s", v);
	if (app->net != NULL)
		net_set_known_only(app->net, app->opts.known_only);
	return 0;
}

static void
show_known_only(struct app *app, char *buf, size_t len)
{
	snprintf(buf, len, "%s", app->opts.known_only ? "on" : "off");
}

static int
set_rate_limit(struct app *app, const char *v, char **cause)
{
	if (parse_uint(v, 10000000, &app->opts.rate_limit) != 0)
		return cmd_error(cause, UV_EINVAL, "rate-limit: a number of "
		    "datagrams per second (0: none), not %s", v);
	if (app->net != NULL)
		net_set_rate_limit(app->net, app->opts.rate_limit);
	return 0;
}

static void
show_rate_limit(struct app *app, char *buf, size_t len)
{
	snprintf(buf, len, "%u", app->opts.rate_limit);
}

static int
set_discovery(struct app *app, const char *v, char **cause)
{
	int	 on;

	if (parse_bool(v, &on) != 0)
		return cmd_error(cause, UV_EINVAL, "discovery: on or off, not "
		    "%s", v);
	return app_set_discovery(app, on, cause);
}

static void
show_discovery(struct app *app, char *buf, size_t len)
{
	snprintf(buf, len, "%s", app->net != NULL ?
	    (net_discovery_on(app->net) ? "on" : "off") :
	    (app->opts.discovery ? "on" : "off"));
}

const struct set_entry set_table[] = {
	{ "port", "UDP port to listen on (from the next start)",
	  SET_AT_START, set_port, show_port },
	{ "bind", "address to bind (from the next start)",
	  SET_AT_START, set_bind, show_bind },
	{ "bell", "ring the terminal bell for messages elsewhere (on/off) "
	  "when notify rings it; off: never", SET_TELL_UI, set_bell,
	  show_bell },
	{ "notify", "how a message in a conversation not shown, or any "
	  "while the terminal is not focused, is told: auto (the terminal's "
	  "own if known, else desktop, else bell), off, bell, terminal "
	  "(OSC 777/9; in tmux only with allow-passthrough on, else the "
	  "bell), desktop (notify-send, else the bell)", SET_TELL_UI,
	  set_notify, show_notify },
	{ "timestamp", "strftime format of the time before each line",
	  SET_TELL_UI, set_timestamp, show_timestamp },
	{ "scrollback", "lines kept in memory per conversation",
	  SET_TELL_UI, set_scrollback, show_scrollback },
	{ "known-only", "ignore everyone not added with /peer (on/off)",
	  0, set_known_only, show_known_only },
	{ "rate-limit", "text datagrams/s taken from one plain peer (0: all)",
	  0, set_rate_limit, show_rate_limit },
	{ "discovery", "find uvqq peers on the LAN and be found (on/off; "
	  "off while bound to loopback)", 0, set_discovery, show_discovery },
	{ NULL, NULL, 0, NULL, NULL }
};

const struct set_entry *
set_find(const char *name)
{
	const struct set_entry	*e;

	for (e = set_table; e->name != NULL; e++) {
		if (strcmp(e->name, name) == 0)
			return e;
	}
	return NULL;
}

void
set_tell_ui(struct app *app)
{
	const struct set_entry	*e;
	char			 value[128];

	for (e = set_table; e->name != NULL; e++) {
		if (e->flags & SET_TELL_UI) {
			e->show(app, value, sizeof value);
			app_option_changed(app, e->name, value);
		}
	}
}

void
set_list(struct app *app, int with_help)
{
	const struct set_entry	*e;
	char			 value[128];

	for (e = set_table; e->name != NULL; e++) {
		e->show(app, value, sizeof value);
		if (with_help)
			app_info(app, "  %s (%s): %s", e->name, value, e->help);
		else
			app_info(app, "%s = %s", e->name, value);
	}
}

static int
cmd_set_exec(struct app *app, int argc, char **argv, char **cause)
{
	const struct set_entry	*e;
	char			 value[128];
	int			 r;

	if (argc == 0) {
		set_list(app, 0);
		return 0;
	}
	if ((e = set_find(argv[0])) == NULL)
		return cmd_error(cause, UV_ENOENT, "/set: no option called %s "
		    "(see /help set)", argv[0]);
	if (argc == 2) {
		if ((r = e->set(app, argv[1], cause)) != 0)
			return r;
		e->show(app, value, sizeof value);
		if (e->flags & SET_TELL_UI)
			app_option_changed(app, e->name, value);
		if ((e->flags & SET_AT_START) && app->net != NULL) {
			app_info(app, "%s = %s (from the next start)", e->name,
			    value);
			return 0;
		}
	}
	e->show(app, value, sizeof value);
	app_info(app, "%s = %s", e->name, value);
	return 0;
}

const struct cmd_entry cmd_set_entry = {
	.name = "set",
	.args = "[NAME [VALUE]]",
	.help = "show or change an option; /help set lists them",
	.min_args = 0,
	.max_args = 2,
	.flags = CMD_REST,
	.exec = cmd_set_exec,
};
