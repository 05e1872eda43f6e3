/*
 * curses.c: the full-screen front end: the terminal, the libuv handles
 * that feed it (keys through a uv_poll on stdin, SIGWINCH through a
 * uv_signal, one redraw per loop turn in a uv_prepare) and what each key
 * does. Text, conversations, the input line, drawing and what each event
 * does to the model live in curses_{text,win,input,draw,event}.c, and
 * notifications in curses_notify.c.
 */
#define _XOPEN_SOURCE_EXTENDED 1
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>
#include <wchar.h>

#include <curses.h>

#include "src/cmd.h"
#include "ui/curses_int.h"
#include "ui/ui.h"

#define ESC_DELAY_MS	25	/* a lone Esc: how long to wait for more */
#define WHEEL_ROWS	3
#define EMPTY_READS_MAX	8	/* "readable" with nothing to read: gone */

#define PASTE_ON	"\033[?2004h"
#define PASTE_OFF	"\033[?2004l"
/* Focus reports: "\e[I" in, "\e[O" out (see key_csi). */
#define FOCUS_ON	"\033[?1004h"
#define FOCUS_OFF	"\033[?1004l"

/*
 * What puts the terminal back when the program ends some other way than
 * through stop: exit() (atexit) or a crash (a fatal signal). Static
 * because neither callback gets a context pointer.
 */
static volatile sig_atomic_t	 term_active;
static struct termios		 term_saved;
static int			 term_saved_ok;
static char			 term_reset[256];
static size_t			 term_reset_len;

static void
term_restore(void)
{
	if (!term_active)
		return;
	term_active = 0;
	fputs(PASTE_OFF FOCUS_OFF, stdout);
	fflush(stdout);
	endwin();
}

/* Only async-signal-safe calls: write the reset string, reset termios. */
static void
term_fatal(int sig)
{
	ssize_t	 n;

	if (term_active) {
		term_active = 0;
		n = write(STDOUT_FILENO, term_reset, term_reset_len);
		(void)n;
		if (term_saved_ok)
			tcsetattr(STDIN_FILENO, TCSANOW, &term_saved);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
term_reset_add(const char *s)
{
	size_t	 n;

	if (s == NULL || s == (char *)-1)
		return;
	n = strlen(s);
	if (term_reset_len + n < sizeof term_reset) {
		memcpy(term_reset + term_reset_len, s, n);
		term_reset_len += n;
	}
}

static void
term_fatal_init(void)
{
	static const int	 sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL,
	    SIGABRT };
	struct sigaction	 sa;
	size_t			 i;

	term_reset_len = 0;
	term_reset_add(PASTE_OFF FOCUS_OFF "\033[?1000l\033[?1006l");
	term_reset_add(tigetstr("sgr0"));
	term_reset_add(tigetstr("cnorm"));
	term_reset_add(tigetstr("rmkx"));
	term_reset_add(tigetstr("rmcup"));
	term_reset_add("\r\n");
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = term_fatal;
	sa.sa_flags = SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaction(sigs[i], &sa, NULL);
}

static void
post_line(struct cui *c, const char *line, uint64_t tag)
{
	struct event	*ev;

	if ((ev = evq_new(EV_INPUT)) == NULL)
		return;
	ev->tag = tag;
	if (event_set_text(ev, line, strlen(line)) != 0) {
		evq_free(ev);
		return;
	}
	evq_push(c->evq, ev);
}

static void
post_eof(struct cui *c)
{
	if (c->eof)
		return;
	c->eof = 1;
	evq_push(c->evq, evq_new(EV_INPUT_EOF));
}

/* A line of our own in a conversation (status: the status window). */
void
cui_say(struct cui *c, struct cw_conv *conv, enum cw_kind kind, const char *s)
{
	cw_add(conv != NULL ? conv : c->m.convs.status, kind, NULL, s, 0);
	c->dirty = 1;
}

/*
 * Ask the history for lines older than the oldest one held, when fewer
 * than a pane's height of them are above the view: the person reaches
 * the top of what is in memory, or will with the next PgUp. Answers come
 * back as history messages and an "N older" line, tagged TAG_OLDER, in
 * the order asked (see older_answer).
 */
void
cui_load_older(struct cui *c, struct cw_conv *conv)
{
	struct event	*ev;
	int		 cols, rows;

	if (conv != c->m.shown || !cw_may_load_older(conv))
		return;
	cd_pane_size(c->draw, &cols, &rows);
	if (cols < 1 || !cw_near_top(conv, cols, rows, rows))
		return;
	if ((ev = evq_new(EV_LOAD_OLDER)) == NULL)
		return;
	memcpy(ev->peer, conv->addr, sizeof ev->peer);
	ev->rowid = cw_min_rowid(conv);
	ev->id = OLDER_LINES;
	ev->tag = TAG_OLDER;
	conv->loading = ++c->older_asked;
	if (evq_push(c->evq, ev) != 0)
		conv->loading = 0;
}

void
cui_show(struct cui *c, struct cw_conv *conv)
{
	if (conv == NULL)
		return;
	c->m.shown = conv;
	conv->unread = 0;
	c->dirty = 1;
	cui_load_older(c, conv);
}

/* Make the core's current peer the one shown, so text goes there. */
static void
make_current(struct cui *c, struct cw_conv *conv)
{
	char	 line[EV_ADDRLEN + 8];

	if (conv == c->m.convs.status)
		return;
	snprintf(line, sizeof line, "/peer %s", conv->addr);
	post_line(c, line, TAG_SWITCH);
}

static void
switch_to(struct cui *c, struct cw_conv *conv)
{
	if (conv == NULL || conv == c->m.shown)
		return;
	cui_show(c, conv);
	if (strcmp(c->m.current, conv->addr) != 0)
		make_current(c, conv);
}

static void
switch_by(struct cui *c, int step)
{
	size_t	 n = cw_index(&c->m.convs, c->m.shown), total;

	total = c->m.convs.count + 1;
	n = (size_t)((int)n + (int)total + step) % total;
	switch_to(c, cw_nth(&c->m.convs, n));
}

static void
scroll_pane(struct cui *c, int delta)
{
	int	 cols, rows;

	cd_pane_size(c->draw, &cols, &rows);
	if (cols > 0)
		cw_scroll(c->m.shown, delta, cols, rows);
	if (delta > 0)
		cui_load_older(c, c->m.shown);
	c->dirty = 1;
}

static void
page(struct cui *c, int dir)
{
	int	 cols, rows;

	cd_pane_size(c->draw, &cols, &rows);
	scroll_pane(c, dir * (rows > 3 ? rows - 2 : 1));
}

static void
enter(struct cui *c)
{
	struct cw_conv	*shown = c->m.shown;
	char		*line;

	if (ci_take(&c->m.input, &line) != 0)
		return;
	if (line[0] != '/' || line[1] == '/') {
		if (shown == c->m.convs.status) {
			cui_say(c, shown, CW_ERROR, "status window: switch to a "
			    "conversation with Alt-1..9 or use /msg");
			free(line);
			return;
		}
		/* The core may have another current peer (a /peer typed). */
		if (strcmp(c->m.current, shown->addr) != 0)
			make_current(c, shown);
	}
	cw_scroll_end(shown);
	post_line(c, line, TAG_TYPED);
	free(line);
}

/* Tab: command names first on the line, peers anywhere else. */
static void
complete(struct cui *c)
{
	const struct cmd_entry	*const *e;
	struct cw_conv		*conv;
	const char		**cands;
	char			**owned;
	size_t			 n = 0, nowned = 0, i, max;
	int			 first, cmd;

	ci_word_start(&c->m.input, &first);
	cmd = first && c->m.input.len > 0 && c->m.input.buf[0] == L'/';
	max = 3 * (c->m.convs.count + 1) + 32;
	cands = calloc(max, sizeof *cands);
	owned = calloc(max, sizeof *owned);
	if (cands == NULL || owned == NULL)
		goto out;
	if (cmd) {
		for (e = cmd_table; *e != NULL && n < max; e++) {
			if (asprintf(&owned[nowned], "/%s", (*e)->name) < 0)
				break;
			cands[n++] = owned[nowned++];
		}
	} else {
		for (conv = c->m.convs.head; conv != NULL; conv = conv->next) {
			if (conv->name != NULL)
				cands[n++] = conv->name;
			if (conv->nick != NULL)
				cands[n++] = conv->nick;
			cands[n++] = conv->addr;
		}
	}
	/* A nick first on a message line addresses them: "bob: ". */
	if (ci_complete(&c->m.input, cands, n, cmd || !first ? L" " :
	    L": ") != 0)
		beep();
out:
	for (i = 0; i < nowned; i++)
		free(owned[i]);
	free(owned);
	free(cands);
}

static void
toggle_mouse(struct cui *c)
{
	c->mouse = !c->mouse;
	mousemask(c->mouse ? BUTTON4_PRESSED | BUTTON5_PRESSED : 0, NULL);
	cui_say(c, c->m.shown, CW_INFO, c->mouse ? "mouse wheel on (Alt-M: off, "
	    "so the terminal can select text)" : "mouse wheel off (Alt-M: "
	    "on)");
}

static void
key_alt(struct cui *c, wint_t k)
{
	struct ci	*ci = &c->m.input;

	if (k >= L'0' && k <= L'9')
		switch_to(c, cw_nth(&c->m.convs, (size_t)(k - L'0')));
	else if (k == L'b' || k == L'B')
		ci_word_left(ci);
	else if (k == L'f' || k == L'F')
		ci_word_right(ci);
	else if (k == 0x7f || k == 0x08)
		ci_kill_word(ci);
	else if (k == L'm' || k == L'M')
		toggle_mouse(c);
	else
		beep();
}

static void
key_csi(struct cui *c, wint_t k)
{
	if (c->csilen < sizeof c->csi - 1 && k >= 0x20 && k < 0x40) {
		c->csi[c->csilen++] = (char)k;
		return;
	}
	c->csi[c->csilen] = '\0';
	c->esc = ESC_NONE;
	/* Focus reports, never text (where terminfo has no kxIN). */
	if (c->csilen == 0 && (k == L'I' || k == L'O')) {
		cui_notify_focus(c, k == L'I');
		return;
	}
	if (k != L'~')
		return;		/* a sequence we do not know: ignore it */
	if (strcmp(c->csi, "200") == 0)
		c->pasting = 1;
	else if (strcmp(c->csi, "201") == 0)
		c->pasting = 0;
}

static void
key_char(struct cui *c, wint_t k)
{
	struct ci	*ci = &c->m.input;
	wchar_t		 wc = (wchar_t)k;
	int		 keep = 0;

	if (c->esc == ESC_CSI) {
		key_csi(c, k);
		return;
	}
	if (c->esc == ESC_SEEN) {
		c->esc = ESC_NONE;
		if (k == L'[') {
			c->esc = ESC_CSI;
			c->csilen = 0;
			return;
		}
		key_alt(c, k);
		ci_key_done(ci, 0);
		return;
	}
	if (k == 0x1b) {
		c->esc = ESC_SEEN;
		return;
	}
	if (c->pasting) {
		/* A paste is text, newlines and all: one message. */
		if (wc == L'\r')
			wc = L'\n';
		if (ci_insert(ci, &wc, 1) != 0)
			beep();
		return;
	}
	switch (k) {
	case 0x01:	/* Ctrl-A */
		ci_home(ci);
		break;
	case 0x02:	/* Ctrl-B */
		ci_left(ci);
		break;
	case 0x03:	/* Ctrl-C: raw mode sends no SIGINT */
		post_line(c, "/quit", TAG_TYPED);
		break;
	case 0x04:	/* Ctrl-D */
		ci_delete(ci);
		break;
	case 0x05:	/* Ctrl-E */
		ci_end(ci);
		break;
	case 0x06:	/* Ctrl-F */
		ci_right(ci);
		break;
	case 0x08:	/* Ctrl-H */
	case 0x7f:
		ci_backspace(ci);
		break;
	case 0x09:	/* Tab */
		complete(c);
		keep = CI_KEEP_TAB;
		break;
	case 0x0a:
	case 0x0d:
		enter(c);
		break;
	case 0x0b:	/* Ctrl-K */
		ci_kill_end(ci);
		keep = CI_KEEP_KILL;
		break;
	case 0x0c:	/* Ctrl-L */
		clearok(curscr, TRUE);
		break;
	case 0x0e:	/* Ctrl-N */
		switch_by(c, 1);
		break;
	case 0x10:	/* Ctrl-P */
		switch_by(c, -1);
		break;
	case 0x15:	/* Ctrl-U */
		ci_kill_home(ci);
		keep = CI_KEEP_KILL;
		break;
	case 0x17:	/* Ctrl-W */
		ci_kill_word(ci);
		keep = CI_KEEP_KILL;
		break;
	case 0x19:	/* Ctrl-Y */
		ci_yank(ci);
		break;
	default:
		if (k < 0x20)
			beep();
		else if (ci_insert(ci, &wc, 1) != 0)
			beep();
		break;
	}
	ci_key_done(ci, keep);
}

static void
key_mouse(struct cui *c)
{
	MEVENT	 me;

	if (getmouse(&me) != OK)
		return;
	if (me.bstate & BUTTON4_PRESSED)
		scroll_pane(c, WHEEL_ROWS);
	else if (me.bstate & BUTTON5_PRESSED)
		scroll_pane(c, -WHEEL_ROWS);
}

static void
key_code(struct cui *c, wint_t k)
{
	struct ci	*ci = &c->m.input;

	c->esc = ESC_NONE;
	switch (k) {
	case KEY_LEFT:
		ci_left(ci);
		break;
	case KEY_RIGHT:
		ci_right(ci);
		break;
	case KEY_HOME:
		ci_home(ci);
		break;
	case KEY_END:
		ci_end(ci);
		break;
	case KEY_BACKSPACE:
		ci_backspace(ci);
		break;
	case KEY_DC:
		ci_delete(ci);
		break;
	case KEY_UP:
		ci_history_prev(ci);
		break;
	case KEY_DOWN:
		ci_history_next(ci);
		break;
	case KEY_PPAGE:
		page(c, 1);
		break;
	case KEY_NPAGE:
		page(c, -1);
		break;
	case KEY_ENTER:
		enter(c);
		break;
	case KEY_MOUSE:
		key_mouse(c);
		break;
	case KEY_RESIZE:
		cd_layout(c->draw);
		break;
	default:
		/* Ctrl- and Alt-arrows have no fixed codes in curses. */
		if ((int)k == c->focus_in || (int)k == c->focus_out)
			cui_notify_focus(c, (int)k == c->focus_in);
		else if ((int)k == c->word_left[0] || (int)k == c->word_left[1])
			ci_word_left(ci);
		else if ((int)k == c->word_right[0] ||
		    (int)k == c->word_right[1])
			ci_word_right(ci);
		break;
	}
	ci_key_done(ci, 0);
}

/* Everything curses has for us now; returns how many keys. */
static int
read_keys(struct cui *c)
{
	wint_t	 k;
	int	 r, n = 0;

	while (!c->stopped && (r = wget_wch(c->keys, &k)) != ERR) {
		n++;
		if (r == KEY_CODE_YES)
			key_code(c, k);
		else
			key_char(c, k);
	}
	if (n > 0)
		c->dirty = 1;
	return n;
}

/* Readable with nothing to read, and poll says hung up: the end. */
static int
input_gone(void)
{
	struct pollfd	 pfd = { .fd = STDIN_FILENO, .events = POLLIN };

	return poll(&pfd, 1, 0) == 1 && (pfd.revents & (POLLHUP | POLLERR |
	    POLLNVAL)) != 0;
}

static void
stdin_cb(uv_poll_t *p, int status, int events)
{
	struct cui	*c = p->data;

	(void)events;
	if (c->stopped)
		return;
	if (status == 0 && read_keys(c) > 0) {
		c->empty_reads = 0;
		return;
	}
	if (status != 0 || input_gone() ||
	    ++c->empty_reads >= EMPTY_READS_MAX) {
		uv_poll_stop(p);
		post_eof(c);
	}
}

static void
winch_cb(uv_signal_t *s, int signum)
{
	struct cui	*c = s->data;
	struct winsize	 ws;

	(void)signum;
	if (c->stopped)
		return;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 &&
	    ws.ws_col > 0)
		resizeterm(ws.ws_row, ws.ws_col);
	cd_layout(c->draw);
	/* resizeterm queued a KEY_RESIZE; take it (and nothing waits). */
	read_keys(c);
	c->dirty = 1;
}

/*
 * At most one frame per FRAME_MS: a flood arrives 32 datagrams per loop
 * turn, and a full frame per turn cost more than the messages. The first
 * change after a quiet spell (a key) is drawn at once.
 */
#define FRAME_MS	16

static void
frame_cb(uv_timer_t *t)
{
	struct cui	*c = t->data;

	if (!c->dirty || c->stopped)
		return;
	c->dirty = 0;
	c->last_draw = uv_now(c->loop);
	cd_draw(c->draw, &c->m);
	cui_notify_flush(c);
}

static void
redraw_cb(uv_prepare_t *p)
{
	struct cui	*c = p->data;
	uint64_t	 now = uv_now(c->loop);

	if (!c->dirty || c->stopped)
		return;
	if (now - c->last_draw < FRAME_MS) {
		if (!uv_is_active((uv_handle_t *)&c->frame))
			uv_timer_start(&c->frame, frame_cb,
			    FRAME_MS - (now - c->last_draw), 0);
		return;
	}
	uv_timer_stop(&c->frame);
	c->dirty = 0;
	c->last_draw = now;
	cd_draw(c->draw, &c->m);
	cui_notify_flush(c);
}

/*
 * Stopped from outside (kill -TSTP; in raw mode Ctrl-Z is only a key):
 * the terminal goes back to what a shell expects, focus and paste
 * reports off, and is taken again when continued.
 */
static void
tstp_cb(uv_signal_t *s, int signum)
{
	struct cui	*c = s->data;

	(void)signum;
	if (c->stopped)
		return;
	fputs(PASTE_OFF FOCUS_OFF, stdout);
	fflush(stdout);
	endwin();
	raise(SIGSTOP);
	/* Continued: the next frame redraws it all. */
	fputs(PASTE_ON FOCUS_ON, stdout);
	fflush(stdout);
	clearok(curscr, TRUE);
	c->dirty = 1;
	cui_notify_focus(c, 1);
}

/* The code curses gives an extended key, or -1 when it has none. */
static int
key_code_for(const char *name)
{
	char	*seq = tigetstr(name);
	int	 code;

	if (seq == NULL || seq == (char *)-1)
		return -1;
	return (code = key_defined(seq)) > 0 ? code : -1;
}

static int
curses_start(struct ui *ui, uv_loop_t *loop, struct evq *evq)
{
	struct cui	*c = ui->data;
	int		 r;

	c->loop = loop;
	c->evq = evq;
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "uvqq: the full-screen chat needs a terminal; "
		    "use --headless for pipes\n");
		return UV_ENOTTY;
	}
	if ((r = cw_init(&c->m.convs)) != 0)
		return r;
	ci_init(&c->m.input);
	c->m.shown = c->m.convs.status;

	term_saved_ok = tcgetattr(STDIN_FILENO, &term_saved) == 0;
	if ((c->screen = newterm(NULL, stdout, stdin)) == NULL) {
		fprintf(stderr, "uvqq: cannot use the terminal %s\n",
		    getenv("TERM") != NULL ? getenv("TERM") : "(TERM unset)");
		return UV_EINVAL;
	}
	term_active = 1;
	atexit(term_restore);
	term_fatal_init();
	set_escdelay(ESC_DELAY_MS);
	raw();
	noecho();
	nonl();
	curs_set(1);
	mouseinterval(0);
	c->mouse = 1;
	c->bell = 1;
	mousemask(BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
	if ((c->keys = newpad(1, 1)) == NULL) {
		term_restore();
		return UV_ENOMEM;
	}
	keypad(c->keys, TRUE);
	nodelay(c->keys, TRUE);
	c->word_left[0] = key_code_for("kLFT5");
	c->word_left[1] = key_code_for("kLFT3");
	c->word_right[0] = key_code_for("kRIT5");
	c->word_right[1] = key_code_for("kRIT3");
	c->focus_in = key_code_for("kxIN");
	c->focus_out = key_code_for("kxOUT");
	fputs(PASTE_ON FOCUS_ON, stdout);
	fflush(stdout);
	if ((r = cd_open(&c->draw)) != 0) {
		term_restore();
		return r;
	}

	if ((r = uv_poll_init(loop, &c->poll, STDIN_FILENO)) != 0) {
		term_restore();
		return r;
	}
	uv_signal_init(loop, &c->winch);
	uv_signal_init(loop, &c->tstp);
	uv_prepare_init(loop, &c->redraw);
	uv_timer_init(loop, &c->frame);
	c->frame.data = c;
	c->poll.data = c->winch.data = c->tstp.data = c->redraw.data = c;
	c->handles = 1;
	if ((r = uv_poll_start(&c->poll, UV_READABLE, stdin_cb)) != 0 ||
	    (r = uv_signal_start(&c->winch, winch_cb, SIGWINCH)) != 0 ||
	    (r = uv_signal_start(&c->tstp, tstp_cb, SIGTSTP)) != 0 ||
	    (r = uv_prepare_start(&c->redraw, redraw_cb)) != 0) {
		term_restore();
		return r;
	}
	cui_notify_start(c);

	cui_say(c, NULL, CW_INFO, "welcome to uvqq: /peer ADDR starts a "
	    "conversation; Alt-1..9 or Ctrl-N/Ctrl-P switch (Alt-0: this "
	    "status window); PgUp/PgDn scroll; Tab completes; /help lists "
	    "the commands; Ctrl-C quits");
	if (MB_CUR_MAX == 1)
		cui_say(c, NULL, CW_ERROR, "the locale is not UTF-8: set LANG "
		    "(e.g. C.UTF-8) to see and type Chinese or emoji");
	return 0;
}

static void
curses_stop(struct ui *ui)
{
	struct cui	*c = ui->data;

	if (c->stopped)
		return;
	c->stopped = 1;
	if (c->handles) {
		uv_poll_stop(&c->poll);
		uv_close((uv_handle_t *)&c->poll, NULL);
		uv_close((uv_handle_t *)&c->winch, NULL);
		uv_close((uv_handle_t *)&c->tstp, NULL);
		uv_close((uv_handle_t *)&c->redraw, NULL);
		uv_close((uv_handle_t *)&c->frame, NULL);
		c->handles = 0;
	}
	cui_notify_stop(c);
	if (c->mouse)
		mousemask(0, NULL);
	term_restore();
}

static void
curses_destroy(struct ui *ui)
{
	struct cui	*c = ui->data;

	cd_close(c->draw);
	if (c->keys != NULL)
		delwin(c->keys);
	if (c->screen != NULL && !term_active)
		delscreen(c->screen);
	ci_free(&c->m.input);
	cw_free(&c->m.convs);
	cui_notify_free(c);
	free(c);
	free(ui);
}

struct ui *
ui_curses_new(void)
{
	struct ui	*ui;

	/* Wide characters need the person's locale (UTF-8, we hope). */
	setlocale(LC_ALL, "");
	if ((ui = calloc(1, sizeof *ui)) == NULL)
		return NULL;
	if ((ui->data = calloc(1, sizeof(struct cui))) == NULL) {
		free(ui);
		return NULL;
	}
	ui->name = "curses";
	ui->start = curses_start;
	ui->on_event = curses_on_event;
	ui->stop = curses_stop;
	ui->destroy = curses_destroy;
	return ui;
}
