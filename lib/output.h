/* output.h: the one writer: text lines, JSON Lines and raw stream dumps. */
#ifndef HS_OUTPUT_H
#define HS_OUTPUT_H

#include <stdio.h>

#include "exchange.h"

struct hs_output_opts {
	int verbose;			/* 0: one line, 1: + headers, 2: + bodies */
	int json;			/* JSON Lines instead of text */
	int color;			/* ANSI colour (the caller decides: tty and no NO_COLOR) */
	int redact;			/* hide values of sensitive headers */
	const char *const *redact_names;	/* extra header names to redact */
	size_t nredact;
	int64_t mono_to_real_ns;	/* add to CLOCK_MONOTONIC ns to get wall-clock ns */
	int batch;			/* do not flush per exchange: the caller calls
					 * hs_output_flush() after each batch of records */
};

struct hs_output;

struct hs_output *hs_output_new(FILE *f, const struct hs_output_opts *o);
/* Write one exchange and flush. Returns 0 or negative errno (e.g. -EPIPE). */
int hs_output_exchange(struct hs_output *out, const struct hs_exchange *ex);
/* --raw: write one captured chunk of a connection (dir 0: written, 1: read) and flush;
 * data NULL: len bytes went by that were not captured. */
int hs_output_raw(struct hs_output *out, const struct hs_conninfo *ci, int dir,
		  const uint8_t *data, size_t len, uint64_t ts);
/* Flush what batch mode has written. Returns 0 or negative errno. */
int hs_output_flush(struct hs_output *out);
void hs_output_free(struct hs_output *out);
/* The other end of a connection as the summary line shows it: "1.2.3.4:80", "[::1]:80". */
void hs_output_peer(const struct hs_conninfo *ci, char *buf, size_t len);
/* Writes "httpsnoop: " and the formatted message to f as one line, escaped like captured
 * text (\xNN for control characters): diagnostics carry command names and file paths,
 * which any local user chooses. */
void hs_output_note(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
