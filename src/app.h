/* app.h: the application state and the core's interface to commands. */
#ifndef UVQQ_APP_H
#define UVQQ_APP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <uv.h>

#include "src/evq.h"
#include "src/peer.h"

#define UVQQ_VERSION		"0.1.0"
#define APP_NICK_MAX		32	/* characters */
#define APP_LINGER_MS		3000	/* /quit or EOF: wait for delivery */
#define APP_LINGER_SIGNAL_MS	500	/* SIGINT, SIGTERM, SIGHUP */
#define APP_COMMIT_MS		5	/* under load, commit this often */
#define APP_HELD_MAX		4096	/* or when this many events wait */
#define APP_BUSY_TURN		16	/* events in a turn that make it busy */

struct identity;
struct net;
struct store;
struct trust;
struct ui;

/* Options given on the command line win over the config file. */
#define APP_SET_PORT	0x1
#define APP_SET_BIND	0x2
#define APP_SET_NICK	0x4
#define APP_SET_DISCOVERY 0x8

struct app_options {
	const char	*bind;		/* numeric address */
	int		 port;
	char		 nick[128];
	int		 headless;
	unsigned	 heartbeat_ms;
	unsigned	 probe_ms;
	unsigned	 rate_limit;	/* plain text datagrams/s per peer */
	int		 known_only;	/* ignore peers we did not add */
	int		 discovery;	/* find peers on the LAN */
	const char	*data_dir;	/* history; NULL: the XDG default */
	int		 no_history;
	const char	*config;	/* NULL: the XDG default */
	int		 no_config;
	int		 bell;		/* front end options, set with /set */
	int		 notify;	/* index in set.c's names; 0: auto */
	char		 timestamp[32];	/* strftime format */
	unsigned	 scrollback;	/* lines kept per conversation */
	unsigned	 set_on_command_line;	/* APP_SET_* bits */
	char		**peers;	/* PEER arguments */
	int		 npeers;
};

struct app {
	uv_loop_t		*loop;
	struct app_options	 opts;
	struct evq		 evq;		/* net and ui talk through it */
	struct net		*net;
	struct store		*store;		/* NULL with --no-history */
	struct trust		*trust;		/* the keys peers had (TOFU) */
	struct identity		*identity;	/* our key pair: guarded memory,
						   wiped by app_free */
	struct ui		*ui;
	struct peer_list	 peers;
	struct peer		*current;	/* where plain text goes */
	char			 nick[128];
	char			*bind_owned;	/* opts.bind, when set by /set */
	char			*data_dir;	/* where the history is */
	uint64_t		 next_id;	/* of our next message */
	uv_signal_t		 signals[3];
	uv_timer_t		 linger;	/* quit: wait, then finish */
	uv_timer_t		 checkpointer;	/* the log copied back, when quiet */
	uv_timer_t		 writer;	/* the SQLite commit, after the
						   journal made a turn durable */
	uint64_t		 write_since;	/* ms: the first turn it waits for */
	uv_timer_t		 committer;	/* the next group commit */
	uint64_t		 last_commit;	/* ms */
	struct event		*held;		/* for the front end, after the
						   commit that makes them true */
	struct event		**held_tail;
	size_t			 nheld;
	int			 lan_error;	/* why discovery is off
						   though asked for; 0 */
	size_t			 turn_events;	/* handled since the last drain */
	uint64_t		 last_write;	/* ms, of the last message stored */
	int			 quitting;
	int			 finished;
	int			 exit_code;
};

int	 app_init(struct app *, uv_loop_t *, const struct app_options *,
	     struct ui *);
/* After the loop has ended: wipe and free what app_start kept. */
void	 app_free(struct app *);
/* Bind, start the front end, add the PEER arguments. */
int	 app_start(struct app *, char **cause);
/* Leave once every outstanding message is delivered or failed, or after
 * linger_ms, whichever is first. */
void	 app_quit(struct app *, unsigned linger_ms);

/* What commands call. Each returns 0 or a negative code with *cause. */
int	 app_peer_open(struct app *, const char *addr, const char *name,
	     char **cause);
int	 app_send(struct app *, struct peer *, const char *text,
	     char **cause);
int	 app_set_nick(struct app *, const char *nick, char **cause);
int	 app_peer_close(struct app *, struct peer *);
/* /trust: accept the peer's current key as verified (a changed one too,
 * which lets its messages go again). */
int	 app_trust(struct app *, struct peer *, char **cause);
/* The peer at addrstr, added to the list if new (NULL: out of memory). */
struct peer	*app_peer_for(struct app *, const char *addrstr);
/* Tell the front end (and the history) what the core knows of p now. */
void	 app_emit_peer(struct app *, struct peer *);
/*
 * Keys (src/app_key.c). check_key: trust on first use for the key a
 * peer event's session proved, before the front end sees the event,
 * which gets the verdict and fingerprint. peer_moved: an EV_MOVED; the
 * conversation, its history and key records follow the peer.
 */
void	 app_check_key(struct app *, struct peer *, struct event *);
void	 app_peer_moved(struct app *, struct event *);
/*
 * Discovery (src/discovery.c). on_peer takes an EV_PEER net/lan.c found
 * and returns whether the front end is told. check_key: a peer's proved
 * key against the one it announced. talk: a peer only found on the LAN
 * gets a link, from now on a peer like any other.
 */
int	 app_lan_on_peer(struct app *, struct event *);
void	 app_lan_check_key(struct app *, struct peer *, const struct event *);
int	 app_lan_talk(struct app *, struct peer *);
/* Turn discovery on or off, saying why it cannot be on. */
int	 app_set_discovery(struct app *, int on, char **cause);
/* Tell the front end we are bound: EV_READY, with where others reach us. */
void	 app_ready(struct app *);
/* What to call a peer in a command: its name, else its address. */
const char	*app_peer_arg(const struct peer *);
void	 app_info(struct app *, const char *fmt, ...)
	     __attribute__((format(printf, 2, 3)));
void	 app_error(struct app *, const char *fmt, ...)
	     __attribute__((format(printf, 2, 3)));
/* Tell the front end an option's value (EV_OPTION). */
void	 app_option_changed(struct app *, const char *name, const char *value);
/* Replay stored lines of a peer, or a search, as history messages. */
int	 app_history(struct app *, struct peer *, int count, char **cause);
int	 app_search(struct app *, const char *text, char **cause);
/* Run the config file's lines; a bad one is reported with FILE:LINE. */
void	 app_load_config(struct app *, int before_start);

/* Validate a nick or peer name: 1-32 printable characters, no spaces. */
int	 app_valid_name(const char *name, const char **cause);
/* Default nick: the login name. */
void	 app_default_nick(char *buf, size_t len);

#endif
