/* lw-distributed.h: training across the processes of an MPI job.
 *
 * Rank k of K owns stage k, a contiguous run of blocks balanced on the
 * costs rank 0 measured in the first steps; the last rank also trains the
 * output layer. Rank 0 reads the data and hands each batch's detached
 * output forward with its labels, the live controls it trains with and
 * the statistics of the blocks below; nothing travels backward, since no
 * gradient crosses a block. The last rank prints the table and writes the
 * metrics, the same as a single-process run at --threads 1, bit for bit. */
#pragma once

#include <signal.h>
#include <glib.h>

#include "lw-cli-options.h"

G_BEGIN_DECLS

/* This process's part of the run: every rank calls it with the same
 * options. Returns the exit status (that of a single-process run); a
 * malformed message or a lost rank ends the whole job through MPI_Abort
 * with a message naming the ranks. *stop, set by a signal on rank 0,
 * ends the run after the batch in progress. */
int lw_distributed_run (const LwCliOptions *opts, const volatile sig_atomic_t *stop);

G_END_DECLS
