/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The terminal of the live view: termios and a few ANSI (ECMA-48, VT100)
 * escapes, no curses (docs/DESIGN.md says why).
 *
 * term_enter saves the terminal's settings, turns off echo and line editing
 * (keys arrive one by one; Ctrl-C still sends SIGINT) and switches to the
 * alternate screen with the cursor hidden. While the view is up, stderr (when
 * it is the terminal) is held in memory and written out by term_leave, so no
 * message breaks a frame or vanishes with the alternate screen. term_leave puts
 * all of it back; it is safe to call at any time, any number of times.
 * It runs on every way out: the live view's end, exit() (atexit), fatal
 * signals (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGQUIT: restore, then
 * re-raise with the default action, so the process still dies of the signal),
 * and Ctrl-Z (SIGTSTP: restore and stop; SIGCONT re-enters and redraws).
 * SIGKILL cannot be caught: `reset` or `stty sane` repairs the terminal then.
 */
#ifndef KVMSTAT_TERM_H
#define KVMSTAT_TERM_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "render/screen.h"

/* Keys besides the bytes of ordinary ones. */
enum term_key {
	TERM_KEY_ESC = 0x100,
	TERM_KEY_UP,
	TERM_KEY_DOWN,
	TERM_KEY_LEFT,
	TERM_KEY_RIGHT,
	TERM_KEY_PGUP,
	TERM_KEY_PGDN,
	TERM_KEY_HOME,
	TERM_KEY_END,
};

/* stdin and stdout are this process's terminal, in the foreground, and TERM is not "dumb". */
bool term_usable(void);
/* 0, or -errno when the terminal's settings cannot be read or set. */
int term_enter(void);
void term_leave(void);
/* The terminal as it was, async-signal-safe: for a handler about to end the process (the
 * stderr held meanwhile is not shown). */
void term_restore_in_signal(void);
/* The size now; false when unknown. */
bool term_size(unsigned int *cols, unsigned int *rows);
/* True once after the size changed or the process was continued: draw everything again. */
bool term_take_redraw(void);

enum term_event {
	TERM_TIMEOUT,	/* the deadline passed */
	TERM_INPUT,	/* keys to read */
	TERM_SIGNAL,	/* *stop was set, or a redraw is due */
};
/*
 * Waits for a key until deadline_ns (CLOCK_MONOTONIC). SIGINT, SIGTERM, SIGHUP and
 * SIGWINCH are blocked but while waiting (ppoll), so one that arrives just before
 * the wait still ends it at once.
 */
enum term_event term_wait(__u64 deadline_ns, volatile sig_atomic_t *stop);

/* The keys waiting on stdin (does not block). -1 when stdin is at its end or failed. */
int term_read_keys(int *keys, size_t max);
/* Bytes as typed into keys: escape sequences of arrows, PgUp/PgDn, Home/End; a lone ESC. */
size_t term_decode_keys(const unsigned char *buf, size_t n, int *keys, size_t max);

/* What the terminal shows, so a frame rewrites only the lines that changed. */
struct term_out {
	unsigned int cols, rows;
	size_t line_bytes;
	char *text;
	unsigned char *attr;
};
/* Puts s on the terminal (all of it with full). 0 or -errno of the write. */
int term_draw(struct term_out *t, const struct screen *s, bool full);
void term_out_free(struct term_out *t);

#endif /* KVMSTAT_TERM_H */
