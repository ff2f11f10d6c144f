/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The live view of `run` on a terminal (and of `run --replay`): given each
 * interval's snapshot, and the counts since the start when it asks for them,
 * never the maps; it draws render/screen.h's frames on the terminal
 * (cli/term.h) and reads keys between intervals. Counting goes on whatever
 * the view shows: a frozen view keeps copies of what it showed.
 *
 * Without live_start nothing touches the terminal: live_key and live_render
 * work on the frame in memory (the unit tests drive it so).
 */
#ifndef KVMSTAT_LIVE_H
#define KVMSTAT_LIVE_H

#include <signal.h>
#include <stdbool.h>
#include "cli/term.h"
#include "model/snapshot.h"
#include "render/screen.h"

/* The counts since the start, asked for when the view shows them. */
struct live_source {
	int (*since_start)(void *ctx, struct snapshot *out);	/* 0 or -errno */
	void *ctx;
};

struct live_opts {
	enum kvmstat_arch arch;
	enum grouping by;
	enum grouping finest;		/* the finest grouping the counts have (saved lines: theirs) */
	enum sort_key sort;
	__u32 spans;			/* the spans the counts have; --span picks the first shown */
	enum kvmstat_span span;
	bool hist;
	bool cumulative;
	const struct names *names;
	const char *source;		/* shown in the title ("replay x2"), or NULL */
	struct live_source src;
};

enum live_page { LIVE_TABLE, LIVE_HELP, LIVE_PICK };

/* What live_wait and live_key end with (errors are -errno). */
enum live_result {
	LIVE_TIMEOUT,	/* the deadline came: time for the next interval */
	LIVE_STOP,	/* *stop was set (SIGINT, SIGTERM) */
	LIVE_QUIT,	/* q, or the terminal went away */
};

struct live {
	struct live_opts o;
	struct screen_state st;
	struct screen scr;
	struct term_out out;
	bool on_terminal;
	bool full_redraw;
	enum live_page page;
	size_t pick_cursor;
	bool filtered;
	struct kvmstat_key filter;	/* vm, and tid for a vCPU thread (0: the whole VM) */
	char filter_label[64];
	char message[128];
	unsigned long updates;
	struct snapshot interval;	/* the last interval */
	struct snapshot total;		/* since the start, when total_valid */
	bool total_valid;
	struct snapshot frozen_interval, frozen_total;	/* what a frozen view shows */
	struct snapshot shown;		/* the filter's copy */
};

/* The view's state from o, a frame of cols x rows in memory. 0 or -ENOMEM. */
int live_init(struct live *l, const struct live_opts *o, unsigned int cols, unsigned int rows);
/* Takes the terminal (term_enter) and draws the first frame. 0 or -errno. */
int live_start(struct live *l);
/* A new interval: kept (copied) and, unless frozen, drawn. 0 or -errno. */
int live_update(struct live *l, const struct snapshot *interval);
/* Nothing more will come (a replay's end): the status line says so. 0 or -errno. */
int live_set_ended(struct live *l);
/* One key: 0, LIVE_QUIT or -errno. Draws nothing (live_render, live_draw do). */
int live_key(struct live *l, int key);
/* The frame of the current page into l->scr. 0 or -errno. */
int live_render(struct live *l);
/*
 * Until deadline_ns (CLOCK_MONOTONIC): keys handled and the frame redrawn as they
 * come, the size followed. LIVE_TIMEOUT, LIVE_STOP, LIVE_QUIT or -errno.
 */
int live_wait(struct live *l, __u64 deadline_ns, volatile sig_atomic_t *stop);
/* Gives the terminal back (term_leave). */
void live_end(struct live *l);
void live_free(struct live *l);

#endif /* KVMSTAT_LIVE_H */
