/* main.c: command line, the loop, and the exit code. */
#include <sys/stat.h>

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <uv.h>

#include "net/addr.h"
#include "src/app.h"
#include "ui/ui.h"

#define DEFAULT_PORT		8097	/* the seed's */
#define DEFAULT_HEARTBEAT_MS	5000
#define DEFAULT_PROBE_MS	1000
#define DEFAULT_RATE_LIMIT	2000	/* text datagrams/s from a plain peer */

static void
usage(FILE *f)
{
	fprintf(f,
"usage: uvqq [options] [PEER...]\n"
"Peer-to-peer chat over UDP, with uvqq peers and plain text peers (nc -u).\n"
"\n"
"  -p, --port PORT      UDP port to listen on (default %d; 0 picks a free one)\n"
"  -b, --bind ADDR      address to bind, IPv4 or IPv6 (default ::, which\n"
"                       takes IPv4 too; 0.0.0.0 where there is no IPv6)\n"
"  -n, --nick NAME      your nick (default: your login name)\n"
"  -H, --headless       commands on stdin, JSON lines on stdout\n"
"      --heartbeat MS   heartbeat interval to uvqq peers (default %d)\n"
"      --probe-timeout MS  silence after which a peer is plain (default %d)\n"
"      --rate-limit N   text datagrams per second taken from one plain peer;\n"
"                       more are dropped and counted (default %d; 0: no limit)\n"
"      --known-only     ignore everyone not added with /peer or as a PEER\n"
"      --no-discovery   neither find peers on the LAN nor announce yourself\n"
"                       (discovery is off anyway when bound to loopback)\n"
"      --data-dir DIR   keep your key, history, outbox and peers in DIR\n"
"                       (default $XDG_DATA_HOME/uvqq or ~/.local/share/uvqq)\n"
"      --no-history     keep nothing on disk (a new key for each run)\n"
"      --config FILE    read commands from FILE at start\n"
"                       (default $XDG_CONFIG_HOME/uvqq/uvqqrc or ~/.config/...)\n"
"      --no-config      read no config file\n"
"  -h, --help           show this help\n"
"  -V, --version        show the version\n"
"\n"
"PEER is ip:port, [ipv6]:port or host:port; the first one is current.\n"
"Type /help inside for the commands.\n",
	    DEFAULT_PORT, DEFAULT_HEARTBEAT_MS, DEFAULT_PROBE_MS,
	    DEFAULT_RATE_LIMIT);
}

static int
bad_usage(const char *fmt, const char *arg)
{
	fprintf(stderr, "uvqq: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (try uvqq --help)\n");
	return 2;
}

static int
parse_ms(const char *s, unsigned *out)
{
	char	*end;
	long	 v;

	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v < 10 || v > 3600000)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static int
parse_count(const char *s, unsigned *out)
{
	char	*end;
	long	 v;

	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v < 0 || v > 10000000)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static int
parse_args(int argc, char **argv, struct app_options *o, int *done)
{
	static const struct option longopts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "bind", required_argument, NULL, 'b' },
		{ "nick", required_argument, NULL, 'n' },
		{ "headless", no_argument, NULL, 'H' },
		{ "heartbeat", required_argument, NULL, 1 },
		{ "probe-timeout", required_argument, NULL, 2 },
		{ "rate-limit", required_argument, NULL, 3 },
		{ "known-only", no_argument, NULL, 4 },
		{ "data-dir", required_argument, NULL, 5 },
		{ "no-history", no_argument, NULL, 6 },
		{ "config", required_argument, NULL, 7 },
		{ "no-config", no_argument, NULL, 8 },
		{ "no-discovery", no_argument, NULL, 9 },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct sockaddr_storage	 ss;
	const char		*why;
	char			 host[ADDR_HOSTLEN];
	int			 c, port, i;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":p:b:n:HhV", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'p':
			if (addr_parse_port(optarg, &o->port) != 0)
				return bad_usage("bad port: %s (0-65535)",
				    optarg);
			o->set_on_command_line |= APP_SET_PORT;
			break;
		case 'b':
			if (addr_from_host(optarg, 0, &ss) != 0)
				return bad_usage("bad bind address: %s (a "
				    "numeric IPv4 or IPv6 address)", optarg);
			o->bind = optarg;
			o->set_on_command_line |= APP_SET_BIND;
			break;
		case 'n':
			if (app_valid_name(optarg, &why) != 0) {
				fprintf(stderr, "uvqq: bad nick: %s: it %s\n",
				    optarg, why);
				return 2;
			}
			snprintf(o->nick, sizeof o->nick, "%s", optarg);
			o->set_on_command_line |= APP_SET_NICK;
			break;
		case 'H':
			o->headless = 1;
			break;
		case 1:
			if (parse_ms(optarg, &o->heartbeat_ms) != 0)
				return bad_usage("bad heartbeat: %s "
				    "(milliseconds, 10-3600000)", optarg);
			break;
		case 2:
			if (parse_ms(optarg, &o->probe_ms) != 0)
				return bad_usage("bad probe timeout: %s "
				    "(milliseconds, 10-3600000)", optarg);
			break;
		case 3:
			if (parse_count(optarg, &o->rate_limit) != 0)
				return bad_usage("bad rate limit: %s (a number "
				    "of datagrams per second, 0-10000000)",
				    optarg);
			break;
		case 4:
			o->known_only = 1;
			break;
		case 9:
			o->discovery = 0;
			o->set_on_command_line |= APP_SET_DISCOVERY;
			break;
		case 5:
			if (*optarg == '\0')
				return bad_usage("bad data directory: %s",
				    "(empty)");
			o->data_dir = optarg;
			break;
		case 6:
			o->no_history = 1;
			break;
		case 7:
			o->config = optarg;
			break;
		case 8:
			o->no_config = 1;
			break;
		case 'h':
			usage(stdout);
			*done = 1;
			return 0;
		case 'V':
			printf("uvqq %s (libuv %s)\n", UVQQ_VERSION,
			    uv_version_string());
			*done = 1;
			return 0;
		case ':':
			return bad_usage("option %s needs an argument",
			    argv[optind - 1]);
		default:
			return bad_usage("unknown option: %s", argv[optind - 1]);
		}
	}
	for (i = optind; i < argc; i++) {
		if (addr_split(argv[i], host, sizeof host, &port, &why) != 0) {
			fprintf(stderr, "uvqq: bad peer: %s: %s (expected "
			    "ip:port, [ipv6]:port or host:port)\n", argv[i],
			    why);
			return 2;
		}
	}
	o->peers = argv + optind;
	o->npeers = argc - optind;
	return 0;
}

int
main(int argc, char **argv)
{
	struct app_options	 opts;
	struct app		 app;
	struct ui		*ui;
	uv_loop_t		*loop = uv_default_loop();
	char			*cause = NULL;
	int			 done = 0, r;

	/*
	 * What uvqq writes is the user's alone: the identity key, the
	 * history, and the files SQLite makes beside it (-wal, -shm), which
	 * it creates itself with the database's mode minus the umask. With
	 * umask 077 every one of them is born 0600 (directories 0700),
	 * whatever the user's umask, and no chmod after the fact leaves a
	 * moment when another user could open one.
	 */
	umask(077);
	memset(&opts, 0, sizeof opts);
	opts.port = DEFAULT_PORT;
	opts.heartbeat_ms = DEFAULT_HEARTBEAT_MS;
	opts.probe_ms = DEFAULT_PROBE_MS;
	opts.rate_limit = DEFAULT_RATE_LIMIT;
	opts.discovery = 1;
	opts.bell = 1;
	snprintf(opts.timestamp, sizeof opts.timestamp, "%%H:%%M");
	opts.scrollback = 2000;
	app_default_nick(opts.nick, sizeof opts.nick);
	if ((r = parse_args(argc, argv, &opts, &done)) != 0 || done)
		return r;

	/* A reader that went away is an error on write, not a signal. */
	signal(SIGPIPE, SIG_IGN);
	/* Before any key is made: it picks its random source, once. */
	if (sodium_init() < 0) {
		fprintf(stderr, "uvqq: cannot initialise libsodium (no source "
		    "of randomness?)\n");
		return 1;
	}

	ui = opts.headless ? ui_headless_new() : ui_curses_new();
	if (ui == NULL) {
		fprintf(stderr, "uvqq: out of memory\n");
		return 1;
	}
	if ((r = app_init(&app, loop, &opts, ui)) != 0) {
		fprintf(stderr, "uvqq: %s\n", uv_strerror(r));
		return 1;
	}
	if ((r = app_start(&app, &cause)) != 0) {
		fprintf(stderr, "uvqq: %s\n", cause != NULL ? cause :
		    uv_strerror(r));
		free(cause);
		app.exit_code = 1;
		if (!app.finished) {
			uv_close((uv_handle_t *)&app.linger, NULL);
			uv_close((uv_handle_t *)&app.committer, NULL);
			uv_close((uv_handle_t *)&app.checkpointer, NULL);
			evq_close(&app.evq);
		}
	}
	uv_run(loop, UV_RUN_DEFAULT);
	/* Last: the secret key is wiped once nothing can use it any more. */
	app_free(&app);
	ui->destroy(ui);
	r = uv_loop_close(loop);
	if (r != 0)
		fprintf(stderr, "uvqq: loop closed with handles open: %s\n",
		    uv_strerror(r));
	return app.exit_code;
}
