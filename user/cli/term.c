// SPDX-License-Identifier: GPL-2.0
/* The live view's terminal: cbreak mode on the alternate screen, restored on every way out. */
#define _GNU_SOURCE	/* ppoll */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include "cli/term.h"
#include "lib/strbuf.h"

/* Alternate screen (saving the cursor), cursor hidden, and back. */
#define ENTER_SEQ	"\033[?1049h\033[?25l\033[H\033[2J"
#define LEAVE_SEQ	"\033[0m\033[?25h\033[?1049l"

static struct termios saved;			/* the settings before term_enter */
static volatile sig_atomic_t entered;		/* the terminal is ours: leave must restore */
static volatile sig_atomic_t redraw_due;	/* SIGWINCH, or continued after SIGTSTP */
static bool hooks_installed;
/* Written by the handlers that want a redraw: it wakes term_wait whichever thread took the
 * signal (run --listen has a server thread). */
static int wake_pipe[2] = { -1, -1 };
static int held_stderr = -1;			/* the real stderr while it is held */
static int held_fd = -1;			/* what was written to stderr meanwhile */

static const int fatal_signals[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGQUIT };

/* write() all of buf, async-signal-safe. */
static int write_all(const char *buf, size_t n)
{
	ssize_t w;

	while (n) {
		w = write(STDOUT_FILENO, buf, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		buf += w;
		n -= w;
	}
	return 0;
}

/* What term_leave does: only async-signal-safe calls (tcsetattr, write). */
static void restore(void)
{
	if (!entered)
		return;
	entered = 0;
	write_all(LEAVE_SEQ, sizeof(LEAVE_SEQ) - 1);
	tcsetattr(STDIN_FILENO, TCSADRAIN, &saved);
}

/* Keys one by one, no echo; Ctrl-C and Ctrl-Z still signal; Ctrl-S does not stop output. */
static int set_cbreak(void)
{
	struct termios t = saved;

	t.c_lflag &= ~(ICANON | ECHO);
	t.c_iflag &= ~IXON;
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSADRAIN, &t))
		return -errno;
	entered = 1;
	return write_all(ENTER_SEQ, sizeof(ENTER_SEQ) - 1);
}

static void on_fatal(int sig)
{
	restore();
	raise(sig);	/* SA_RESETHAND: the default action now, SA_NODEFER: at once */
}

static void wake(void)
{
	int saved_errno = errno;

	redraw_due = 1;
	if (wake_pipe[1] >= 0 && write(wake_pipe[1], "", 1) < 0) {
		/* full: a wake-up is pending anyway */
	}
	errno = saved_errno;
}

static void on_winch(int sig)
{
	(void)sig;
	wake();
}

static void on_tstp(int sig)
{
	struct sigaction sa = { .sa_handler = on_tstp };
	int saved_errno = errno, was = entered;
	sigset_t set;

	restore();
	signal(sig, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(sig);		/* stopped here until SIGCONT */
	sigaction(sig, &sa, NULL);
	if (was && !set_cbreak())
		wake();
	errno = saved_errno;
}

/* stderr written to memory while the view covers the screen, so no line breaks a frame. */
static void hold_stderr(void)
{
	if (held_fd >= 0 || !isatty(STDERR_FILENO))
		return;
	held_fd = memfd_create("kvmstat-bpf-stderr", MFD_CLOEXEC);
	if (held_fd < 0)
		return;		/* then stderr goes to the screen as ever */
	fflush(stderr);
	held_stderr = dup(STDERR_FILENO);
	if (held_stderr < 0 || dup2(held_fd, STDERR_FILENO) < 0) {
		close(held_fd);
		held_fd = -1;
	}
}

/* Back to the real stderr, and what was held written to it. */
static void release_stderr(void)
{
	char buf[4096];
	ssize_t n;
	off_t off = 0;

	if (held_fd < 0)
		return;
	fflush(stderr);
	dup2(held_stderr, STDERR_FILENO);
	close(held_stderr);
	while ((n = pread(held_fd, buf, sizeof(buf), off)) > 0 && write(STDERR_FILENO, buf, n) == n)
		off += n;
	close(held_fd);
	held_fd = held_stderr = -1;
}

static void at_exit(void)
{
	restore();
	release_stderr();
}

static void install_hooks(void)
{
	struct sigaction fatal = { .sa_handler = on_fatal, .sa_flags = SA_RESETHAND | SA_NODEFER };
	struct sigaction winch = { .sa_handler = on_winch };
	struct sigaction tstp = { .sa_handler = on_tstp };
	size_t i;

	if (hooks_installed)
		return;
	hooks_installed = true;
	if (pipe2(wake_pipe, O_NONBLOCK | O_CLOEXEC))
		wake_pipe[0] = wake_pipe[1] = -1;	/* then a resize shows at the next interval */
	atexit(at_exit);
	for (i = 0; i < sizeof(fatal_signals) / sizeof(fatal_signals[0]); i++)
		sigaction(fatal_signals[i], &fatal, NULL);
	sigaction(SIGWINCH, &winch, NULL);
	sigaction(SIGTSTP, &tstp, NULL);
}

bool term_usable(void)
{
	const char *term = getenv("TERM");

	return isatty(STDIN_FILENO) && isatty(STDOUT_FILENO) && term && *term &&
	       strcmp(term, "dumb") && tcgetpgrp(STDIN_FILENO) == getpgrp();
}

int term_enter(void)
{
	int err;

	if (tcgetattr(STDIN_FILENO, &saved))
		return -errno;
	install_hooks();
	hold_stderr();
	err = set_cbreak();
	if (err)
		term_leave();
	return err;
}

void term_leave(void)
{
	restore();
	release_stderr();
}

void term_restore_in_signal(void)
{
	restore();
}

bool term_size(unsigned int *cols, unsigned int *rows)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) || !ws.ws_col || !ws.ws_row)
		return false;
	*cols = ws.ws_col;
	*rows = ws.ws_row;
	return true;
}

bool term_take_redraw(void)
{
	char buf[16];

	if (!redraw_due)
		return false;
	redraw_due = 0;
	while (wake_pipe[0] >= 0 && read(wake_pipe[0], buf, sizeof(buf)) > 0)
		;
	return true;
}

enum term_event term_wait(__u64 deadline_ns, volatile sig_atomic_t *stop)
{
	struct pollfd pfd[2] = { { .fd = STDIN_FILENO, .events = POLLIN },
				 { .fd = wake_pipe[0], .events = POLLIN } };
	struct timespec now, left;
	sigset_t block, old;
	__u64 now_ns;
	int n;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGWINCH);
	sigprocmask(SIG_BLOCK, &block, &old);
	clock_gettime(CLOCK_MONOTONIC, &now);
	now_ns = now.tv_sec * 1000000000ULL + now.tv_nsec;
	if (*stop || redraw_due) {
		n = -1;
	} else if (now_ns >= deadline_ns) {
		n = 0;
	} else {
		left.tv_sec = (deadline_ns - now_ns) / 1000000000ULL;
		left.tv_nsec = (deadline_ns - now_ns) % 1000000000ULL;
		n = ppoll(pfd, 2, &left, &old);	/* the signals arrive here, or stay pending */
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (n > 0 && !(pfd[0].revents & (POLLIN | POLLHUP | POLLERR)))
		n = -1;		/* woken for a redraw */
	return n > 0 ? TERM_INPUT : n == 0 ? TERM_TIMEOUT : TERM_SIGNAL;
}

/* A CSI or SS3 sequence's key: its final byte and first number. 0: not one we use. */
static int sequence_key(unsigned char final, unsigned int num)
{
	switch (final) {
	case 'A': return TERM_KEY_UP;
	case 'B': return TERM_KEY_DOWN;
	case 'C': return TERM_KEY_RIGHT;
	case 'D': return TERM_KEY_LEFT;
	case 'H': return TERM_KEY_HOME;
	case 'F': return TERM_KEY_END;
	case '~':
		return num == 5 ? TERM_KEY_PGUP : num == 6 ? TERM_KEY_PGDN :
		       num == 1 || num == 7 ? TERM_KEY_HOME : num == 4 || num == 8 ? TERM_KEY_END : 0;
	}
	return 0;
}

size_t term_decode_keys(const unsigned char *buf, size_t n, int *keys, size_t max)
{
	size_t i = 0, j, k = 0;
	unsigned int num;
	int key;

	while (i < n && k < max) {
		if (buf[i] != 0x1b || i + 1 >= n || (buf[i + 1] != '[' && buf[i + 1] != 'O')) {
			keys[k++] = buf[i] == 0x1b ? TERM_KEY_ESC : buf[i];
			i++;
			continue;
		}
		/* ESC [ or ESC O, parameter bytes (0x30-0x3f), a final byte (0x40-0x7e). */
		for (j = i + 2, num = 0; j < n && buf[j] >= 0x30 && buf[j] <= 0x3f; j++)
			if (buf[j] >= '0' && buf[j] <= '9' && num < 1000)
				num = num * 10 + buf[j] - '0';
		if (j >= n)
			break;		/* cut short: dropped */
		key = sequence_key(buf[j], num);
		if (key)
			keys[k++] = key;
		i = j + 1;
	}
	return k;
}

int term_read_keys(int *keys, size_t max)
{
	unsigned char buf[64];
	ssize_t n;

	do
		n = read(STDIN_FILENO, buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return -1;
	return term_decode_keys(buf, n, keys, max);
}

void term_out_free(struct term_out *t)
{
	free(t->text);
	free(t->attr);
	memset(t, 0, sizeof(*t));
}

/* t keeps a copy of s's lines: the next frame compares with them. */
static int remember(struct term_out *t, const struct screen *s)
{
	if (t->cols != s->cols || t->rows != s->rows) {
		term_out_free(t);
		t->text = malloc(s->rows * s->line_bytes);
		t->attr = malloc(s->rows);
		if (!t->text || !t->attr) {
			term_out_free(t);
			return -ENOMEM;
		}
		t->cols = s->cols;
		t->rows = s->rows;
		t->line_bytes = s->line_bytes;
	}
	memcpy(t->text, s->text, s->rows * s->line_bytes);
	memcpy(t->attr, s->attr, s->rows);
	return 0;
}

static bool put_line(struct strbuf *b, const struct screen *s, unsigned int row)
{
	static const char *const sgr[] = { [SCREEN_PLAIN] = "", [SCREEN_BOLD] = "\033[1m",
					   [SCREEN_REVERSE] = "\033[7m" };
	char pos[24];

	snprintf(pos, sizeof(pos), "\033[%u;1H", row + 1);
	return strbuf_puts(b, pos) && strbuf_puts(b, sgr[s->attr[row] <= SCREEN_REVERSE ? s->attr[row] : 0]) &&
	       strbuf_puts(b, screen_line(s, row)) && strbuf_puts(b, "\033[K\033[0m");
}

int term_draw(struct term_out *t, const struct screen *s, bool full)
{
	struct strbuf b = {};
	bool ok = true;
	unsigned int r;
	int err;

	full = full || !t->text || t->cols != s->cols || t->rows != s->rows;
	if (full)
		ok = strbuf_puts(&b, "\033[H\033[2J");
	for (r = 0; r < s->rows && ok; r++)
		if (full || t->attr[r] != s->attr[r] ||
		    strcmp(t->text + r * t->line_bytes, screen_line(s, r)))
			ok = put_line(&b, s, r);
	err = ok ? 0 : -ENOMEM;
	if (!err && b.len)
		err = write_all(b.s, b.len);
	if (!err && remember(t, s))
		term_out_free(t);	/* no copy to compare with: the next frame is drawn whole */
	strbuf_free(&b);
	return err;
}
