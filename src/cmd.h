/*
 * cmd.h: the slash commands. One table serves both front ends, /help and
 * completion; a handler never draws or prints: output goes out as events
 * (app_info) and a failure comes back as a negative code and a reason.
 */
#ifndef UVQQ_CMD_H
#define UVQQ_CMD_H

struct app;

#define CMD_MAX_ARGS	4
#define CMD_REST	0x1	/* the last argument takes the rest of the line */

struct cmd_entry {
	const char	*name;		/* "peer" */
	const char	*args;		/* "ADDR [NAME]", shown by /help */
	const char	*help;		/* one line */
	int		 min_args;
	int		 max_args;
	int		 flags;
	int		(*exec)(struct app *, int argc, char **argv,
			    char **cause);
};

/* Every command, NULL-terminated, in the order /help lists them. */
extern const struct cmd_entry *const cmd_table[];

extern const struct cmd_entry cmd_peer_entry, cmd_msg_entry, cmd_peers_entry,
    cmd_close_entry, cmd_stats_entry, cmd_history_entry, cmd_search_entry,
    cmd_set_entry, cmd_nick_entry, cmd_whoami_entry, cmd_verify_entry,
    cmd_trust_entry, cmd_help_entry, cmd_quit_entry, cmd_who_entry;

/* Exact name, or a prefix that only one command has. */
const struct cmd_entry	*cmd_find(const char *name);
/*
 * Split a command line (without the '/') into argv, at most max words
 * when CMD_REST is set; returns argc or a negative code with *cause.
 * The words point into line, which is modified.
 */
int			 cmd_split(char *line, char **argv, int max, int rest,
			     const char **cause);
/* Run one line that starts with '/'. Returns 0 or a negative code with
 * an allocated *cause. */
int			 cmd_execute(struct app *, const char *line,
			     char **cause);
/* printf into a newly allocated *cause; returns code. */
int			 cmd_error(char **cause, int code, const char *fmt, ...)
			     __attribute__((format(printf, 3, 4)));

#endif
